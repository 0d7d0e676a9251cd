"""Working groups and seats through the services: what the secretariat and chairs can do, and bad input refused."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from learningcity.core.errors import Conflict, DomainError, NotAllowed, NotFound
from learningcity.core.models import AuditEntry
from learningcity.core.permissions import Role
from learningcity.core.sms import MemorySmsBackend
from learningcity.factories import (
    CitizenFactory,
    GroupMemberFactory,
    InstitutionFactory,
    LearningDomainFactory,
    RoleAssignmentFactory,
    UserFactory,
    WorkingGroupFactory,
)
from learningcity.institutions.models import Accreditation
from learningcity.workgroups import permissions
from learningcity.workgroups import services as all_services
from learningcity.workgroups.models import GroupMember, GroupRole, Visibility, WorkingGroup
from learningcity.workgroups.services import groups as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(city):
    return WorkingGroupFactory(city=city, slug="media-literacy", name_fa="کارگروه سواد رسانه‌ای",
                               name_en="Media literacy")


@pytest.fixture
def chair(group):
    seat = GroupMemberFactory(group=group, user=CitizenFactory(city=group.city, name="مریم احمدی"),
                              role=GroupRole.CHAIR)
    return seat.user


@pytest.fixture
def other_secretariat(other_city):
    user = CitizenFactory(city=other_city, name="دبیرخانه همدان")
    RoleAssignmentFactory(user=user, role=Role.SECRETARIAT, city=other_city)
    return user


@pytest.fixture(autouse=True)
def _english():
    """Messages filled in with names are built when raised, so read them all in English."""
    with translation.override("en"):
        yield


def _message(exc) -> str:
    return str(exc.value.message)


def _seat(group, role=GroupRole.MEMBER, **kwargs):
    return GroupMemberFactory(group=group, role=role, **kwargs)


def test_the_services_package_exports_the_group_services():
    for name in services.__all__:
        assert getattr(all_services, name) is getattr(services, name)


# --- groups -------------------------------------------------------------------------------------------


def test_secretariat_forms_a_group_with_bilingual_mandate_domains_and_key_features(city, secretariat):
    domain = LearningDomainFactory(city=city, name_fa="سواد رسانه‌ای")
    group = services.group_create(
        city=city, actor=secretariat, name_fa=" کارگروه سواد رسانه‌ای و دیجیتال ",
        name_en="Media and digital literacy", mandate_fa="هماهنگی آموزش سواد رسانه‌ای",
        mandate_en="Coordinate media-literacy learning", key_features=["3.2", "2.4", "2.4"],
        domains=[str(domain.pk)], visibility=Visibility.MEMBERS,
    )
    group.refresh_from_db()
    assert group.slug == "media-and-digital-literacy"
    assert group.name_fa == "کارگروه سواد رسانه‌ای و دیجیتال"
    assert group.key_features == ["2.4", "3.2"]
    assert list(group.domains.all()) == [domain]
    assert group.visibility == Visibility.MEMBERS and group.is_active
    entry = AuditEntry.objects.get(action="workgroup.create")
    assert entry.actor == secretariat and entry.city == city and entry.changes["domains"] == [None, [domain.pk]]


def test_short_names_are_made_unique_but_a_chosen_short_name_that_is_taken_is_a_conflict(city, secretariat):
    first = services.group_create(city=city, actor=secretariat, name_fa="الف", name_en="Health", mandate_fa="م")
    second = services.group_create(city=city, actor=secretariat, name_fa="ب", name_en="Health", mandate_fa="م")
    assert (first.slug, second.slug) == ("health", "health-2")
    with pytest.raises(Conflict) as exc:
        services.group_create(city=city, actor=secretariat, slug="health", name_fa="پ", mandate_fa="م")
    assert exc.value.field == "slug"
    assert "already exists" in _message(exc)
    assert WorkingGroup.objects.count() == 2


def test_a_group_without_an_english_name_still_gets_a_short_name(city, secretariat):
    group = services.group_create(city=city, actor=secretariat, name_fa="کارگروه خانواده", mandate_fa="م")
    assert group.slug == "group"


@pytest.mark.parametrize("slug", ["new", "NEW", "با-فاصله", "has space"])
def test_short_names_the_site_uses_or_that_are_not_latin_are_refused(city, secretariat, slug):
    with pytest.raises(DomainError) as exc:
        services.group_create(city=city, actor=secretariat, slug=slug, name_fa="الف", mandate_fa="م")
    assert exc.value.field == "slug"
    assert not WorkingGroup.objects.exists()


@pytest.mark.parametrize("who", ["citizen", "chair", "other_secretariat", "anonymous"])
def test_only_the_city_secretariat_forms_and_edits_groups(request, city, group, chair, who):
    from django.contrib.auth.models import AnonymousUser

    actor = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        services.group_create(city=city, actor=actor, name_fa="الف", mandate_fa="م")
    with pytest.raises(NotAllowed):
        services.group_update(group=group, actor=actor, name_fa="نام تازه")
    with pytest.raises(NotAllowed):
        services.group_archive(group=group, actor=actor)
    group.refresh_from_db()
    assert WorkingGroup.objects.count() == 1 and group.name_fa != "نام تازه" and group.is_active
    assert not AuditEntry.objects.exists()


BAD_GROUPS = {
    "empty name": ({"name_fa": "  "}, "name_fa"),
    "empty mandate": ({"mandate_fa": ""}, "mandate_fa"),
    "mandate too long": ({"mandate_fa": "م" * 5001}, "mandate_fa"),
    "unknown key feature": ({"key_features": ["9.9"]}, "key_features"),
    "key features as text": ({"key_features": "2.1"}, "key_features"),
    "unknown visibility": ({"visibility": "secret"}, "visibility"),
    "domain id that is not a number": ({"domains": ["abc"]}, "domains"),
    "domain that does not exist": ({"domains": [999999]}, "domains"),
}


@pytest.mark.parametrize("case", list(BAD_GROUPS))
def test_bad_group_input_gets_a_clear_message_and_saves_nothing(city, secretariat, case):
    values, field = BAD_GROUPS[case]
    fields = {"name_fa": "کارگروه", "mandate_fa": "مأموریت", **values}
    with pytest.raises(DomainError) as exc:
        services.group_create(city=city, actor=secretariat, **fields)
    assert exc.value.field == field
    assert _message(exc)
    assert not WorkingGroup.objects.exists() and not AuditEntry.objects.exists()


def test_learning_domains_of_another_city_and_retired_ones_are_refused(city, other_city, secretariat):
    foreign = LearningDomainFactory(city=other_city)
    retired = LearningDomainFactory(city=city, is_active=False, name_en="Old domain")
    with pytest.raises(DomainError) as exc:
        services.group_create(city=city, actor=secretariat, name_fa="الف", mandate_fa="م", domains=[foreign])
    assert "of this city" in _message(exc)
    with pytest.raises(DomainError) as exc:
        services.group_create(city=city, actor=secretariat, name_fa="الف", mandate_fa="م", domains=[retired])
    assert "retired" in _message(exc)
    assert not WorkingGroup.objects.exists()


def test_editing_a_group_logs_what_changed_and_nothing_when_nothing_did(city, secretariat, group):
    domain = LearningDomainFactory(city=city)
    services.group_update(group=group, actor=secretariat, mandate_en="A new mandate", domains=[domain],
                          key_features=["2.6"], visibility=Visibility.MEMBERS)
    group.refresh_from_db()
    assert group.mandate_en == "A new mandate" and group.key_features == ["2.6"]
    assert list(group.domains.all()) == [domain] and not group.is_public
    entry = AuditEntry.objects.get(action="workgroup.update")
    assert set(entry.changes) == {"mandate_en", "domains", "key_features", "visibility"}
    services.group_update(group=group, actor=secretariat, mandate_en="A new mandate")
    assert AuditEntry.objects.filter(action="workgroup.update").count() == 1


def test_a_group_keeps_a_domain_that_was_retired_after_it_was_linked(city, secretariat, group):
    domain = LearningDomainFactory(city=city)
    group.domains.add(domain)
    domain.is_active = False
    domain.save()
    services.group_update(group=group, actor=secretariat, domains=[domain], name_en="Renamed")
    assert list(group.domains.all()) == [domain]


def test_a_bad_edit_changes_nothing(secretariat, group):
    with pytest.raises(DomainError):
        services.group_update(group=group, actor=secretariat, name_en="Renamed", mandate_fa="")
    with pytest.raises(DomainError) as exc:
        services.group_update(group=group, actor=secretariat, slug="other")
    assert exc.value.field == "slug"
    group.refresh_from_db()
    assert group.name_en == "Media literacy" and group.mandate_fa and not AuditEntry.objects.exists()


def test_archiving_and_reactivating_a_group_each_once(secretariat, group):
    services.group_archive(group=group, actor=secretariat)
    group.refresh_from_db()
    assert not group.is_active
    with pytest.raises(DomainError) as exc:
        services.group_archive(group=group, actor=secretariat)
    assert "already archived" in _message(exc)
    services.group_reactivate(group=group, actor=secretariat)
    group.refresh_from_db()
    assert group.is_active
    with pytest.raises(DomainError):
        services.group_reactivate(group=group, actor=secretariat)
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["workgroup.archive", "workgroup.reactivate"]


# --- seats --------------------------------------------------------------------------------------------


def test_the_secretariat_seats_a_person_by_mobile_number_in_any_digits(city, secretariat, group, institution,
                                                                      django_capture_on_commit_callbacks):
    person = UserFactory(mobile="09181234567", name="علی رضایی", email="ali@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        seat = services.member_add(group=group, actor=secretariat, mobile="۰۹۱۸ ۱۲۳ ۴۵۶۷", institution=institution,
                                   role=GroupRole.SECRETARY)
    assert (seat.user, seat.institution, seat.role) == (person, institution, GroupRole.SECRETARY)
    assert seat.joined_on == timezone.localdate() and seat.left_on is None
    entry = AuditEntry.objects.get(action="workgroup.member_add")
    assert entry.actor == secretariat and entry.city == city
    assert [m.to for m in MemorySmsBackend.outbox] == ["09181234567"]
    assert "کارگروه سواد رسانه‌ای" in MemorySmsBackend.outbox[0].body


def test_the_seated_person_is_told_in_their_own_language(secretariat, group, django_capture_on_commit_callbacks):
    person = UserFactory(preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        services.member_add(group=group, actor=secretariat, user=person)
    assert "Media literacy" in MemorySmsBackend.outbox[0].body
    assert "Member" in MemorySmsBackend.outbox[0].body


def test_the_demo_loader_can_seat_people_without_messages(group, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.member_add(group=group, actor=None, user=UserFactory(), notify=False)
    assert MemorySmsBackend.outbox == []


def test_a_person_may_sit_in_several_groups(city, secretariat, group):
    person = UserFactory()
    other = WorkingGroupFactory(city=city)
    services.member_add(group=group, actor=secretariat, user=person, role=GroupRole.CHAIR)
    services.member_add(group=other, actor=secretariat, user=person, role=GroupRole.OBSERVER)
    assert permissions.seats_of(person) == {group.pk: "chair", other.pk: "observer"}


def test_the_chair_manages_members_but_secretaries_members_and_observers_do_not(group, chair):
    seat = services.member_add(group=group, actor=chair, user=UserFactory())
    assert seat.role == GroupRole.MEMBER
    for role in (GroupRole.SECRETARY, GroupRole.MEMBER, GroupRole.OBSERVER):
        actor = _seat(group, role).user
        with pytest.raises(NotAllowed):
            services.member_add(group=group, actor=actor, user=UserFactory())
        with pytest.raises(NotAllowed):
            services.member_remove(seat=seat, actor=actor)
    assert GroupMember.objects.filter(group=group, left_on__isnull=True).count() == 5


def test_a_chair_cannot_manage_another_groups_members(city, chair):
    other = WorkingGroupFactory(city=city)
    with pytest.raises(NotAllowed):
        services.member_add(group=other, actor=chair, user=UserFactory())
    assert not other.members.exists()


def test_a_second_chair_is_refused_naming_the_current_one_and_nothing_changes(secretariat, group, chair):
    newcomer = UserFactory()
    with pytest.raises(Conflict) as exc:
        services.member_add(group=group, actor=secretariat, user=newcomer, role=GroupRole.CHAIR)
    assert exc.value.code == "seat_taken"
    assert "already has a chair: مریم احمدی" in _message(exc)
    assert not GroupMember.objects.filter(user=newcomer).exists()
    assert GroupMember.objects.get(user=chair).role == GroupRole.CHAIR
    assert not AuditEntry.objects.exists()


def test_replacing_the_chair_keeps_the_old_chair_as_a_member_in_the_same_step(secretariat, group, chair):
    newcomer = UserFactory()
    seat = services.member_add(group=group, actor=secretariat, user=newcomer, role=GroupRole.CHAIR,
                               replace_current=True)
    assert seat.role == GroupRole.CHAIR
    assert GroupMember.objects.get(user=chair, group=group).role == GroupRole.MEMBER
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "workgroup.member_role", "workgroup.member_add",
    ]


def test_a_second_secretary_is_refused_unless_replacing(secretariat, group):
    first = _seat(group, GroupRole.SECRETARY, user=UserFactory(name="سارا کریمی"))
    with pytest.raises(Conflict) as exc:
        services.member_add(group=group, actor=secretariat, user=UserFactory(), role=GroupRole.SECRETARY)
    assert "already has a secretary: سارا کریمی" in _message(exc)
    services.member_add(group=group, actor=secretariat, user=UserFactory(), role=GroupRole.SECRETARY,
                        replace_current=True)
    first.refresh_from_db()
    assert first.role == GroupRole.MEMBER


def test_a_race_for_the_chair_that_slips_past_the_check_is_still_a_clear_conflict(secretariat, group, chair,
                                                                                   monkeypatch):
    # As if another request seated a chair between our check and our insert: the database refuses.
    monkeypatch.setattr(services, "_holder", lambda group, role: None)
    with pytest.raises(Conflict) as exc:
        services.member_add(group=group, actor=secretariat, user=UserFactory(), role=GroupRole.CHAIR)
    assert exc.value.code == "seat_taken"
    assert "already has a chair" in _message(exc)
    assert GroupMember.objects.filter(group=group).count() == 1


def test_a_person_already_seated_is_refused(secretariat, group, chair):
    with pytest.raises(Conflict) as exc:
        services.member_add(group=group, actor=secretariat, user=chair, role=GroupRole.MEMBER)
    assert exc.value.field == "mobile"
    assert "already sits in this working group" in _message(exc)
    assert GroupMember.objects.filter(group=group).count() == 1


def test_an_institution_of_another_city_is_refused(secretariat, group, other_city):
    foreign = InstitutionFactory(city=other_city)
    with pytest.raises(DomainError) as exc:
        services.member_add(group=group, actor=secretariat, user=UserFactory(), institution=foreign)
    assert exc.value.field == "institution"
    assert "partner institution of this city" in _message(exc)
    assert not group.members.exists()


@pytest.mark.parametrize("state", [Accreditation.SUSPENDED, Accreditation.WITHDRAWN])
def test_a_suspended_or_withdrawn_partner_cannot_be_represented(city, secretariat, group, state):
    partner = InstitutionFactory(city=city, accreditation=state)
    with pytest.raises(DomainError) as exc:
        services.member_add(group=group, actor=secretariat, user=UserFactory(), institution=partner.pk)
    assert "not an active partner" in _message(exc)
    assert not group.members.exists()


BAD_SEATS = {
    "mobile that is not a mobile number": ({"mobile": "12345"}, "mobile"),
    "nobody has this mobile number": ({"mobile": "09990001122"}, "mobile"),
    "neither a person nor a number": ({}, "mobile"),
    "unknown role": ({"role": "president"}, "role"),
    "institution that is not a number": ({"institution": "abc"}, "institution"),
    "institution that does not exist": ({"institution": 999999}, "institution"),
    "joining date in the future": ({"joined_on": dt.date.today() + dt.timedelta(days=3)}, "joined_on"),
    "joining date that is not a date": ({"joined_on": "1405/01/01"}, "joined_on"),
}


@pytest.mark.parametrize("case", list(BAD_SEATS))
def test_bad_seat_input_gets_a_clear_message_and_seats_nobody(secretariat, group, case):
    values, field = BAD_SEATS[case]
    if "mobile" not in values and case != "neither a person nor a number":
        values = {"user": UserFactory(), **values}
    with pytest.raises(DomainError) as exc:
        services.member_add(group=group, actor=secretariat, **values)
    assert exc.value.field == field
    assert _message(exc)
    assert not group.members.exists() and not AuditEntry.objects.exists()


def test_a_closed_account_cannot_be_seated(secretariat, group):
    closed = UserFactory(is_active=False, mobile="09187770000")
    with pytest.raises(DomainError) as exc:
        services.member_add(group=group, actor=secretariat, mobile="09187770000")
    assert "closed" in _message(exc)
    assert not GroupMember.objects.filter(user=closed).exists()


def test_nobody_is_added_to_an_archived_group(secretariat, group):
    services.group_archive(group=group, actor=secretariat)
    with pytest.raises(DomainError) as exc:
        services.member_add(group=group, actor=secretariat, user=UserFactory())
    assert "archived" in _message(exc)
    assert not group.members.exists()


def test_changing_a_role_and_making_someone_chair_in_place_of_the_current_one(secretariat, group, chair):
    seat = _seat(group, GroupRole.MEMBER)
    services.member_change_role(seat=seat, actor=secretariat, role=GroupRole.OBSERVER)
    seat.refresh_from_db()
    assert seat.role == GroupRole.OBSERVER
    with pytest.raises(Conflict):
        services.member_change_role(seat=seat, actor=secretariat, role=GroupRole.CHAIR)
    seat.refresh_from_db()
    assert seat.role == GroupRole.OBSERVER
    services.member_change_role(seat=seat, actor=secretariat, role=GroupRole.CHAIR, replace_current=True)
    seat.refresh_from_db()
    assert seat.role == GroupRole.CHAIR
    assert GroupMember.objects.get(user=chair).role == GroupRole.MEMBER
    assert AuditEntry.objects.filter(action="workgroup.member_role").count() == 3


def test_moving_the_chair_to_secretary_checks_the_secretary_seat(secretariat, group, chair):
    secretary = _seat(group, GroupRole.SECRETARY)
    chair_seat = GroupMember.objects.get(user=chair)
    with pytest.raises(Conflict):
        services.member_change_role(seat=chair_seat, actor=secretariat, role=GroupRole.SECRETARY)
    services.member_change_role(seat=chair_seat, actor=secretariat, role=GroupRole.SECRETARY,
                                replace_current=True)
    secretary.refresh_from_db()
    chair_seat.refresh_from_db()
    assert (chair_seat.role, secretary.role) == (GroupRole.SECRETARY, GroupRole.MEMBER)


def test_giving_someone_the_role_they_have_or_a_bad_role_is_refused(secretariat, group):
    seat = _seat(group, GroupRole.MEMBER)
    with pytest.raises(DomainError) as exc:
        services.member_change_role(seat=seat, actor=secretariat, role=GroupRole.MEMBER)
    assert "already has this role" in _message(exc)
    with pytest.raises(DomainError):
        services.member_change_role(seat=seat, actor=secretariat, role="boss")
    assert not AuditEntry.objects.exists()


def test_taking_someone_off_the_group_keeps_their_seat_on_record(secretariat, group, chair):
    seat = _seat(group, GroupRole.MEMBER)
    services.member_remove(seat=seat, actor=secretariat)
    seat.refresh_from_db()
    assert seat.left_on == timezone.localdate() and seat.role == GroupRole.MEMBER
    assert GroupMember.objects.filter(pk=seat.pk).exists()
    assert permissions.seats_of(seat.user) == {}
    assert AuditEntry.objects.get(action="workgroup.member_remove").changes["left_on"][1] == str(seat.left_on)


def test_removing_twice_is_refused_and_changes_nothing(secretariat, group):
    seat = _seat(group, GroupRole.MEMBER)
    services.member_remove(seat=seat, actor=secretariat)
    with pytest.raises(DomainError) as exc:
        services.member_remove(seat=seat, actor=secretariat)
    assert exc.value.code == "already_left"
    assert "already left" in _message(exc)
    with pytest.raises(DomainError):
        services.member_change_role(seat=seat, actor=secretariat, role=GroupRole.OBSERVER)
    assert AuditEntry.objects.filter(action__startswith="workgroup.member").count() == 1


def test_a_seat_that_no_longer_exists_is_not_found(secretariat, group):
    seat = _seat(group)
    GroupMember.objects.filter(pk=seat.pk).delete()
    with pytest.raises(NotFound):
        services.member_remove(seat=seat, actor=secretariat)


def test_bad_leaving_dates_are_refused(secretariat, group):
    seat = _seat(group, joined_on=timezone.localdate() - dt.timedelta(days=10))
    with pytest.raises(DomainError) as exc:
        services.member_remove(seat=seat, actor=secretariat, left_on=timezone.localdate() - dt.timedelta(days=20))
    assert "before the joining date" in _message(exc)
    with pytest.raises(DomainError):
        services.member_remove(seat=seat, actor=secretariat, left_on=timezone.localdate() + dt.timedelta(days=1))
    seat.refresh_from_db()
    assert seat.left_on is None


def test_someone_who_left_can_be_seated_again_with_a_new_seat(secretariat, group):
    seat = _seat(group, GroupRole.MEMBER)
    services.member_remove(seat=seat, actor=secretariat)
    again = services.member_add(group=group, actor=secretariat, user=seat.user, role=GroupRole.OBSERVER)
    assert again.pk != seat.pk
    assert GroupMember.objects.filter(group=group, user=seat.user).count() == 2


def test_seats_read_earlier_in_the_same_request_are_refreshed(secretariat, group):
    assert permissions.seat_in(secretariat, group) is None  # read and cached on the person
    services.member_add(group=group, actor=secretariat, user=secretariat, role=GroupRole.SECRETARY)
    assert permissions.seat_in(secretariat, group) == GroupRole.SECRETARY
    seat = GroupMember.objects.get(user=secretariat)
    services.member_remove(seat=seat, actor=secretariat)
    assert permissions.seat_in(secretariat, group) is None


def test_a_chair_who_steps_down_can_no_longer_manage_members(group, chair):
    seat = GroupMember.objects.get(user=chair)
    services.member_change_role(seat=seat, actor=chair, role=GroupRole.MEMBER)
    with pytest.raises(NotAllowed):
        services.member_add(group=group, actor=chair, user=UserFactory())
