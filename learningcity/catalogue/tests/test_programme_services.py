"""Programme, offering, session and venue services: the state machine, the rules, the audit log, the search key."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from learningcity.catalogue import services
from learningcity.catalogue.models import (
    Format,
    Offering,
    OfferingStatus,
    Programme,
    ProgrammeStatus,
    Session,
)
from learningcity.core.errors import Conflict, DomainError, NotAllowed
from learningcity.core.models import AuditEntry
from learningcity.factories import DistrictFactory, LearningDomainFactory, VenueFactory
from learningcity.institutions.models import Accreditation

from .test_console_support import *  # noqa: F403
from .test_console_support import at, make_draft, offering_fields, weekly_sessions

pytestmark = pytest.mark.django_db

S = ProgrammeStatus


def _entries(obj, action):
    return AuditEntry.objects.filter(object_id=str(obj.pk), action=action)


# --- the state machine -------------------------------------------------------------------------------------


def test_a_new_programme_is_a_draft_with_its_domains_audiences_and_an_audit_entry(institution, domain, seniors,
                                                                               women, institution_editor):
    programme = make_draft(institution, [domain], actor=institution_editor, life_stages=[seniors],
                           target_groups=[women], key_features=["2.2", "1.1"], sdg_targets=["4.6"])
    programme.refresh_from_db()
    assert programme.status == S.DRAFT and programme.city == institution.city
    assert list(programme.domains.all()) == [domain]
    assert list(programme.life_stages.all()) == [seniors] and list(programme.target_groups.all()) == [women]
    assert programme.key_features == ["1.1", "2.2"]  # in the framework's order
    entry = _entries(programme, "programme.create").get()
    assert entry.actor == institution_editor
    assert entry.changes["domains"] == [None, ["media-literacy"]]


def test_submit_approve_publishes_and_stamps_the_times(draft, secretariat, institution_admin):
    submitted = services.programme_submit(programme=draft, actor=institution_admin)
    assert submitted.status == S.SUBMITTED and submitted.submitted_at is not None
    published = services.programme_approve(programme=submitted, actor=secretariat)
    published.refresh_from_db()
    assert published.status == S.PUBLISHED and published.published_at is not None
    assert _entries(draft, "programme.submit").get().changes == {"status": ["draft", "submitted"]}
    assert _entries(draft, "programme.approve").get().actor == secretariat


def test_return_needs_a_reason_and_the_note_reaches_the_staff(submitted, secretariat, institution_editor):
    with pytest.raises(DomainError) as refused:
        services.programme_return(programme=submitted, actor=secretariat, reason="   ")
    assert refused.value.field == "reason"
    returned = services.programme_return(programme=submitted, actor=secretariat, reason="Add the outcomes.")
    assert returned.status == S.RETURNED and returned.review_note == "Add the outcomes."
    again = services.programme_submit(programme=returned, actor=institution_editor)
    assert again.status == S.SUBMITTED
    approved = services.programme_approve(programme=again, actor=secretariat)
    assert approved.review_note == ""


@pytest.mark.parametrize("state", ["draft", "submitted", "returned", "published"])
def test_any_programme_not_yet_archived_can_be_archived(state, draft, secretariat, institution_admin):
    programme = draft
    if state != "draft":
        programme = services.programme_submit(programme=programme, actor=None)
    if state == "returned":
        programme = services.programme_return(programme=programme, actor=None, reason="Shorter title")
    if state == "published":
        programme = services.programme_approve(programme=programme, actor=None)
    archived = services.programme_archive(programme=programme, actor=institution_admin)
    assert archived.status == S.ARCHIVED
    assert _entries(programme, "programme.archive").get().changes == {"status": [state, "archived"]}


ALLOWED = {
    "submit": {S.DRAFT, S.RETURNED},
    "approve": {S.SUBMITTED},
    "return": {S.SUBMITTED},
    "archive": {S.DRAFT, S.SUBMITTED, S.RETURNED, S.PUBLISHED},
}


def _do(transition, programme):
    if transition == "return":
        return services.programme_return(programme=programme, actor=None, reason="Why")
    return getattr(services, f"programme_{transition}")(programme=programme, actor=None)


OUT_OF_ORDER = [(t, s) for t in ALLOWED for s in S.values if s not in ALLOWED[t]]


@pytest.mark.parametrize(("transition", "state"), OUT_OF_ORDER)
def test_transitions_out_of_order_are_refused_with_a_clear_message(transition, state, institution, domain):
    programme = make_draft(institution, [domain])
    Programme.objects.filter(pk=programme.pk).update(status=state)
    programme.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        _do(transition, programme)
    assert isinstance(refused.value, Conflict)
    assert str(ProgrammeStatus(state).label) in str(refused.value.message)
    programme.refresh_from_db()
    assert programme.status == state
    assert not AuditEntry.objects.filter(action=f"programme.{transition}").exists()


def test_submitting_needs_a_domain(institution, institution_admin):
    programme = make_draft(institution, [])
    with pytest.raises(DomainError) as refused:
        services.programme_submit(programme=programme, actor=institution_admin)
    assert refused.value.field == "domains"
    programme.refresh_from_db()
    assert programme.status == S.DRAFT


@pytest.mark.parametrize("accreditation", [Accreditation.PENDING, Accreditation.SUSPENDED, Accreditation.WITHDRAWN])
def test_a_partner_that_is_not_accredited_drafts_but_cannot_submit(accreditation, institution, domain,
                                                                   institution_admin):
    institution.accreditation = accreditation
    institution.save()
    programme = make_draft(institution, [domain], actor=institution_admin)
    with pytest.raises(DomainError) as refused:
        services.programme_submit(programme=programme, actor=institution_admin)
    assert refused.value.code == "not_accredited"


def test_only_the_secretariat_approves_or_returns(submitted, institution_admin, other_secretariat, secretariat):
    for actor in (institution_admin, other_secretariat):
        with pytest.raises(NotAllowed):
            services.programme_approve(programme=submitted, actor=actor)
        with pytest.raises(NotAllowed):
            services.programme_return(programme=submitted, actor=actor, reason="no")
    assert services.programme_approve(programme=submitted, actor=secretariat).status == S.PUBLISHED


def test_only_staff_of_the_partner_or_the_secretariat_write(institution, domain, draft, citizen, other_admin,
                                                           other_secretariat, institution_editor, secretariat):
    for outsider in (citizen, other_admin, other_secretariat):
        with pytest.raises(NotAllowed):
            make_draft(institution, [domain], actor=outsider)
        with pytest.raises(NotAllowed):
            services.programme_update(programme=draft, actor=outsider, title_en="Hacked")
        with pytest.raises(NotAllowed):
            services.programme_submit(programme=draft, actor=outsider)
    services.programme_update(programme=draft, actor=institution_editor, title_en="By the editor")
    services.programme_update(programme=draft, actor=secretariat, title_en="By the secretariat")
    draft.refresh_from_db()
    assert draft.title_en == "By the secretariat"


def test_archiving_waits_until_upcoming_offerings_are_cancelled(offering, institution_admin):
    programme = offering.programme
    with pytest.raises(DomainError) as refused:
        services.programme_archive(programme=programme, actor=institution_admin)
    assert refused.value.code == "has_offerings"
    Offering.objects.filter(pk=offering.pk).update(status=OfferingStatus.CANCELLED)
    assert services.programme_archive(programme=programme, actor=institution_admin).status == S.ARCHIVED


def test_an_archived_programme_gets_no_new_offerings(draft, venue):
    archived = services.programme_archive(programme=draft, actor=None)
    with pytest.raises(Conflict):
        services.offering_create(programme=archived, actor=None, **offering_fields(venue))


# --- edits, audit and search key ---------------------------------------------------------------------------


def test_every_change_to_a_published_programme_is_in_the_audit_log_with_the_fields(published, second_domain,
                                                                                  seniors, institution_editor):
    services.programme_update(programme=published, actor=institution_editor, title_en="Media literacy at home",
                              fee_rials=500_000, domains=[*published.domains.all(), second_domain],
                              life_stages=[seniors], key_features=["2.6"])
    entry = _entries(published, "programme.update").get()
    assert entry.actor == institution_editor
    assert entry.changes["title_en"] == ["Media literacy for parents", "Media literacy at home"]
    assert entry.changes["fee_rials"] == [0, 500_000]
    assert entry.changes["domains"] == [["media-literacy"], ["digital-skills", "media-literacy"]]
    assert entry.changes["life_stages"] == [[], ["seniors"]]
    assert entry.changes["key_features"] == [[], ["2.6"]]
    assert "status" not in entry.changes
    published.refresh_from_db()
    assert published.status == S.PUBLISHED


def test_an_edit_that_changes_nothing_writes_no_entry(published, institution_editor):
    services.programme_update(programme=published, actor=institution_editor, title_en=published.title_en)
    assert not _entries(published, "programme.update").exists()


def test_the_search_key_follows_title_domains_audiences_and_provider(draft, second_domain, seniors,
                                                                     institution_admin):
    draft.refresh_from_db()
    assert services.programme_search_text(draft) == draft.search_key
    assert "سواد رسانه ای" in draft.search_key  # ZWNJ folded to a space
    assert draft.institution.name_en.casefold() in draft.search_key
    updated = services.programme_update(programme=draft, actor=institution_admin, title_fa="كتابخواني")
    assert "کتابخوانی" in updated.search_key  # Arabic kaf and yeh folded
    assert "digital skills" not in updated.search_key
    updated = services.programme_update(programme=draft, actor=institution_admin, domains=[second_domain],
                                        life_stages=[seniors])
    assert "digital skills" in updated.search_key and "مهارت دیجیتال" in updated.search_key
    assert "media literacy" in updated.search_key  # still in the English title
    assert "سالمندان" in updated.search_key and "seniors" in updated.search_key
    assert Programme.objects.get(pk=draft.pk).search_key == updated.search_key


def test_html_is_stored_as_typed(institution, domain):
    programme = make_draft(institution, [domain], title_fa="<b>دوره</b> <script>alert(1)</script>")
    programme.refresh_from_db()
    assert programme.title_fa == "<b>دوره</b> <script>alert(1)</script>"


@pytest.mark.parametrize(("fields", "field"), [
    ({"fee_rials": -1}, "fee_rials"),
    ({"hours": 0}, "hours"),
    ({"hours": Decimal("2000.5")}, "hours"),
    ({"hours": "many"}, "hours"),
    ({"hours": Decimal("1.25")}, "hours"),
    ({"key_features": ["9.9"]}, "key_features"),
    ({"key_features": "1.1"}, "key_features"),
    ({"sdg_targets": ["4.1", "5.1"]}, "sdg_targets"),
    ({"title_fa": "ا" * 201}, "title_fa"),
    ({"title_fa": "   "}, "title_fa"),
    ({"description_fa": "ا" * 5001}, "description_fa"),
    ({"level": "expert"}, "level"),
    ({"format": "radio"}, "format"),
    ({"colour": "blue"}, "colour"),
])
def test_bad_programme_fields_are_refused_and_nothing_is_saved(institution, domain, fields, field):
    with pytest.raises(DomainError) as refused:
        make_draft(institution, [domain], **fields)
    assert refused.value.field == field
    assert not Programme.objects.exists()
    assert not AuditEntry.objects.filter(action="programme.create").exists()


def test_hours_of_up_to_two_thousand_and_persian_digits_are_fine(institution, domain):
    assert make_draft(institution, [domain], hours=Decimal("2000")).hours == Decimal("2000")
    assert make_draft(institution, [domain], hours="۱۲٫۵").hours == Decimal("12.5")


def test_domains_must_be_of_the_city_and_in_use(institution, domain, other_city, institution_admin):
    elsewhere = LearningDomainFactory(city=other_city, slug="elsewhere")
    with pytest.raises(DomainError) as refused:
        make_draft(institution, [elsewhere])
    assert refused.value.field == "domains"
    retired = LearningDomainFactory(city=institution.city, slug="retired", is_active=False)
    with pytest.raises(DomainError):
        make_draft(institution, [retired])
    # A domain retired after the programme chose it may stay while other fields change.
    programme = make_draft(institution, [domain])
    programme.domains.add(retired)
    services.programme_update(programme=programme, actor=institution_admin, domains=[domain, retired],
                              title_en="Kept")


def test_audiences_must_be_of_the_right_kind(institution, domain, seniors, women):
    with pytest.raises(DomainError) as refused:
        make_draft(institution, [domain], life_stages=[women])
    assert refused.value.field == "life_stages"
    with pytest.raises(DomainError):
        make_draft(institution, [domain], target_groups=[seniors])


# --- offerings and sessions --------------------------------------------------------------------------------


def test_an_offering_keeps_its_first_and_last_session_days(published, venue, institution_editor):
    offering = services.offering_create(programme=published, actor=institution_editor, **offering_fields(venue))
    assert offering.starts_on == timezone.localdate() + dt.timedelta(days=10)
    assert offering.ends_on == timezone.localdate() + dt.timedelta(days=24)
    assert offering.sessions.count() == 3 and offering.city == published.city
    entry = _entries(offering, "offering.create").get()
    assert len(entry.changes["sessions"][1]) == 3


def test_sessions_added_moved_and_removed_keep_the_dates(offering, institution_editor):
    added = services.session_add(offering=offering, actor=institution_editor, starts_at=at(40), ends_at=at(40, 19))
    offering.refresh_from_db()
    assert offering.ends_on == timezone.localdate() + dt.timedelta(days=40)
    first = offering.sessions.first()
    services.session_update(session=first, actor=institution_editor, starts_at=at(12), ends_at=at(12, 19))
    offering.refresh_from_db()
    assert offering.starts_on == timezone.localdate() + dt.timedelta(days=12)
    services.session_remove(session=added, actor=institution_editor)
    offering.refresh_from_db()
    assert offering.ends_on == timezone.localdate() + dt.timedelta(days=24)
    actions = set(AuditEntry.objects.filter(object_id=str(offering.pk)).values_list("action", flat=True))
    assert {"offering.session_add", "offering.session_update", "offering.session_remove"} <= actions


def test_the_last_session_cannot_be_removed(published, venue):
    offering = services.offering_create(programme=published, actor=None,
                                        **offering_fields(venue, sessions=weekly_sessions(1)))
    with pytest.raises(DomainError) as refused:
        services.session_remove(session=offering.sessions.get(), actor=None)
    assert refused.value.field == "sessions"


def test_moving_the_first_session_before_the_window_closes_is_refused(offering):
    first = offering.sessions.first()
    with pytest.raises(DomainError) as refused:
        services.session_update(session=first, actor=None, starts_at=at(5), ends_at=at(5, 19))
    assert refused.value.field == "enrolment_closes_at"
    first.refresh_from_db()
    assert timezone.localdate(first.starts_at) == timezone.localdate() + dt.timedelta(days=10)


@pytest.mark.parametrize(("extra", "field"), [
    ({"enrolment_closes_at": at(11, 23)}, "enrolment_closes_at"),  # after the first session starts
    ({"enrolment_opens_at": at(9, 23), "enrolment_closes_at": at(9, 23)}, "enrolment_closes_at"),
    ({"enrolment_opens_at": at(9, 23, 30), "enrolment_closes_at": at(9, 23)}, "enrolment_closes_at"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": -3}, "capacity"),
    ({"capacity": 100_001}, "capacity"),
    ({"venue": None}, "venue"),  # the programme meets in person
    ({"sessions": []}, "sessions"),
    ({"sessions": [(at(10), at(10, 19)), (at(10, 18), at(10, 20))]}, "sessions"),  # overlapping
    ({"sessions": [(at(10, 19), at(10, 17))]}, "sessions"),  # ends before it starts
    ({"sessions": [(at(10), at(12))]}, "sessions"),  # two days long
    ({"waitlist_policy": "offer", "offer_hours": 0}, "offer_hours"),
    ({"attendance_percent": 101}, "attendance_percent"),
    ({"completion_rule": "assessment", "attendance_percent": 150}, "attendance_percent"),
    ({"online_url": "javascript:alert(1)"}, "online_url"),
])
def test_bad_offerings_are_refused_and_nothing_is_saved(published, venue, extra, field):
    fields = {**offering_fields(venue), **extra}
    with pytest.raises(DomainError) as refused:
        services.offering_create(programme=published, actor=None, **fields)
    assert refused.value.field == field
    assert not Offering.objects.exists() and not Session.objects.exists()


def test_online_needs_a_link_and_in_person_a_venue(institution, domain, venue):
    online = make_draft(institution, [domain], format=Format.ONLINE)
    with pytest.raises(DomainError) as refused:
        services.offering_create(programme=online, actor=None, **offering_fields(None))
    assert refused.value.field == "online_url"
    created = services.offering_create(programme=online, actor=None,
                                       **offering_fields(None, online_url="https://meet.example.org/room"))
    assert created.venue is None
    hybrid = make_draft(institution, [domain], format=Format.HYBRID)
    with pytest.raises(DomainError) as refused:
        services.offering_create(programme=hybrid, actor=None,
                                 **offering_fields(None, online_url="https://meet.example.org/room"))
    assert refused.value.field == "venue"


def test_a_venue_of_another_partner_or_city_is_refused(published, other_institution, other_city):
    for venue in (VenueFactory(city=published.city, institution=other_institution),
                  VenueFactory(city=other_city)):
        with pytest.raises(DomainError) as refused:
            services.offering_create(programme=published, actor=None, **offering_fields(venue))
        assert refused.value.field == "venue"
    shared = VenueFactory(city=published.city, institution=None)
    assert services.offering_create(programme=published, actor=None, **offering_fields(shared)).venue == shared


def test_a_new_venue_comes_with_the_offering_or_not_at_all(published, venue):
    created = services.offering_create(programme=published, actor=None,
                                       **offering_fields(None, new_venue={"name_fa": "سرای محله"}))
    assert created.venue.name_fa == "سرای محله" and created.venue.institution == published.institution
    count = published.institution.venues.count()
    with pytest.raises(DomainError):
        services.offering_create(programme=published, actor=None,
                                 **offering_fields(None, capacity=0, new_venue={"name_fa": "سرای دیگر"}))
    assert published.institution.venues.count() == count


def test_an_offering_cannot_shrink_below_the_seats_taken(offering, institution_admin):
    Offering.objects.filter(pk=offering.pk).update(confirmed_count=6, offered_count=2, waitlist_count=4)
    with pytest.raises(DomainError) as refused:
        services.offering_update(offering=offering, actor=institution_admin, capacity=7)
    assert refused.value.field == "capacity"
    updated = services.offering_update(offering=offering, actor=institution_admin, capacity=8)
    assert updated.capacity == 8
    # The enrolment services' counters are left as they were.
    assert (updated.confirmed_count, updated.offered_count, updated.waitlist_count) == (6, 2, 4)


def test_more_seats_while_people_wait_are_left_to_the_enrolment_service(offering, institution_admin):
    Offering.objects.filter(pk=offering.pk).update(confirmed_count=10, waitlist_count=2)
    with pytest.raises(DomainError) as refused:
        services.offering_update(offering=offering, actor=institution_admin, capacity=12)
    assert refused.value.code == "waitlist_waiting"
    Offering.objects.filter(pk=offering.pk).update(waitlist_count=0)
    assert services.offering_update(offering=offering, actor=institution_admin, capacity=12).capacity == 12


def test_a_cancelled_offering_cannot_be_changed(offering, institution_admin):
    Offering.objects.filter(pk=offering.pk).update(status=OfferingStatus.CANCELLED)
    with pytest.raises(Conflict):
        services.offering_update(offering=offering, actor=institution_admin, capacity=20)
    with pytest.raises(Conflict):
        services.session_add(offering=offering, actor=institution_admin, starts_at=at(40), ends_at=at(40, 19))


def test_offering_update_replaces_the_session_list_by_id(offering, institution_admin):
    first, second, third = offering.sessions.all()
    updated = services.offering_update(offering=offering, actor=institution_admin, sessions=[
        {"id": first.pk, "starts_at": first.starts_at, "ends_at": first.ends_at},
        {"id": third.pk, "starts_at": at(30), "ends_at": at(30, 19)},
        {"starts_at": at(35), "ends_at": at(35, 19)},
    ])
    assert list(updated.sessions.values_list("pk", flat=True))[:2] == [first.pk, third.pk]
    assert not Session.objects.filter(pk=second.pk).exists()
    assert updated.ends_on == timezone.localdate() + dt.timedelta(days=35)
    entry = _entries(offering, "offering.update").get()
    assert "sessions" in entry.changes


def test_offering_update_refuses_a_session_of_another_offering(offering, published, venue):
    other = services.offering_create(programme=published, actor=None, **offering_fields(venue))
    with pytest.raises(DomainError):
        services.offering_update(offering=offering, actor=None, sessions=[
            {"id": other.sessions.first().pk, "starts_at": at(30), "ends_at": at(30, 19)},
        ])


def test_offering_writes_need_the_partner_or_the_secretariat(published, venue, other_admin, citizen, secretariat):
    for outsider in (other_admin, citizen):
        with pytest.raises(NotAllowed):
            services.offering_create(programme=published, actor=outsider, **offering_fields(venue))
    assert services.offering_create(programme=published, actor=secretariat, **offering_fields(venue)).pk


# --- venues ------------------------------------------------------------------------------------------------


def test_a_venue_belongs_to_the_partner_city_and_a_district_of_it(institution, institution_editor, other_city):
    district = DistrictFactory(city=institution.city, number=4)
    venue = services.venue_create(institution=institution, actor=institution_editor, name_fa="سالن",
                                  district=district, latitude="۳۴.۳۱", longitude=Decimal("47.06"))
    assert venue.city == institution.city and venue.district == district
    assert venue.latitude == Decimal("34.310000")
    foreign = DistrictFactory(city=other_city, number=1)
    with pytest.raises(DomainError) as refused:
        services.venue_update(venue=venue, actor=institution_editor, district=foreign)
    assert refused.value.field == "district"
    with pytest.raises(DomainError) as refused:
        services.venue_update(venue=venue, actor=institution_editor, latitude=Decimal("95"))
    assert refused.value.field == "latitude"
    services.venue_update(venue=venue, actor=institution_editor, name_en="Hall")
    assert AuditEntry.objects.filter(action="venue.update", object_id=str(venue.pk)).exists()


def test_venues_are_edited_by_their_partner_or_the_secretariat(venue, other_admin, secretariat):
    with pytest.raises(NotAllowed):
        services.venue_update(venue=venue, actor=other_admin, name_en="Mine now")
    with pytest.raises(NotAllowed):
        services.venue_create(institution=venue.institution, actor=other_admin, name_fa="سالن")
    assert services.venue_update(venue=venue, actor=secretariat, name_en="Main hall").name_en == "Main hall"


def test_renaming_a_domain_renews_the_search_keys_of_its_programmes(draft, domain, secretariat):
    services.domain_update(domain=domain, actor=secretariat, name_en="News literacy", name_fa="سواد خبری")
    draft.refresh_from_db()
    assert "news literacy" in draft.search_key and "سواد خبری" in draft.search_key
    assert draft.search_key == services.programme_search_text(draft)


def test_search_keys_can_be_rebuilt_in_bulk(institution, domain):
    programmes = [make_draft(institution, [domain], title_en=f"Course {n}") for n in range(3)]
    Programme.objects.update(search_key="")
    assert services.programme_search_keys_rebuild(Programme.objects.all(), batch=2) == 3
    assert all(p.search_key for p in Programme.objects.filter(pk__in=[p.pk for p in programmes]))
    assert services.programme_search_keys_rebuild(Programme.objects.all()) == 0
