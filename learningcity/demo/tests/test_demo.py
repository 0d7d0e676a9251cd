"""`learningcity demo`: Kermanshah, the networks' registry, partners, domains, demo accounts, and a year of
learning (programmes, offerings, enrolments, waitlists, attendance, completions, ratings).

Loading the whole demo takes a while, so this module loads it once, in a transaction that is rolled back
when the module ends; each test runs in its own savepoint inside it and may change what it likes.
"""

import datetime as dt
import hashlib
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from learningcity.accounts.models import RoleAssignment, User
from learningcity.accounts.permissions import has_city_capability
from learningcity.catalogue.models import (
    AudienceKind,
    Format,
    LearningDomain,
    Offering,
    Programme,
    ProgrammeStatus,
    Session,
    Venue,
    WaitlistPolicy,
)
from learningcity.catalogue.services import programme_search_keys_rebuild
from learningcity.cities.models import City, District, Network, NetworkMembership, PopulationFigure
from learningcity.cities.selectors import cities_in_networks, city_population, district_geojson
from learningcity.core.models import AuditEntry
from learningcity.core.permissions import Capability, Role
from learningcity.core.sms import MemorySmsBackend
from learningcity.core.tasks import deliver_email, deliver_sms
from learningcity.demo.activity import DEMO_LEARNER_SEED, DEMO_LEARNERS, NAMED_CITIZENS, WAITLIST_POSITION
from learningcity.demo.clock import DemoClock, messages_withheld
from learningcity.demo.loaders import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
from learningcity.demo.programmes import WINDOW_DAYS
from learningcity.demo.synthetic import mobile_for
from learningcity.enrolment.models import ACTIVE_STATUSES, HOLDS_SEAT, Attendance, Enrolment, EnrolmentStatus
from learningcity.enrolment.selectors import waitlist_position
from learningcity.institutions import permissions as institution_permissions
from learningcity.institutions.models import (
    Accreditation,
    Institution,
    InstitutionContact,
    InstitutionType,
    StaffMembership,
)
from learningcity.records.models import Certificate, Feedback, LearningRecord
from learningcity.records.selectors import enrolments_current_of, records_of

PROJECT_APPS = {"core", "cities", "accounts", "institutions", "catalogue", "enrolment", "records", "auth",
                "contenttypes"}


def database_fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every value of every table the project owns."""
    fingerprint = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in PROJECT_APPS:
            continue
        rows = list(model.objects.order_by("pk").values_list())
        fingerprint[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return fingerprint


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The whole demo, loaded once for this module through the command, and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(loaded, db):
    return loaded


def start_of_today() -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))


def named(key: str) -> User:
    account = next(account for account in DEMO_ACCOUNTS if account.key == key)
    return User.objects.get(mobile=account.mobile)


# --- the city, the registry, partners, domains and accounts ----------------------------------------------


def test_kermanshah_hosts_the_platform_with_eight_districts_and_their_population(demo):
    city = City.objects.get(slug="kermanshah")
    assert city.hosts_platform
    assert city.population_year == 1405
    districts = District.objects.filter(city=city)
    assert districts.count() == 8
    assert all(d.boundary["type"] == "Polygon" and d.boundary_is_approximate for d in districts)
    assert len(district_geojson(city)["features"]) == 8
    figures = PopulationFigure.objects.filter(district__city=city)
    assert figures.count() == 8 * 2 * 8
    assert set(figures.values_list("year", "is_estimate")) == {(1405, True)}
    assert city_population(city) == 1_005_008


def test_memberships_are_dated_facts_and_exactly_three_cities_hold_both_titles(demo):
    kermanshah = City.objects.get(slug="kermanshah")
    assert set(kermanshah.memberships.values_list("network", "field", "since", "year_unverified")) == {
        (Network.GNLC, "", dt.date(2025, 12, 1), False),
        (Network.UCCN, "gastronomy", dt.date(2021, 11, 8), False),
    }
    both = cities_in_networks(networks=[Network.GNLC, Network.UCCN])
    assert {c.slug for c in both} == {"kermanshah", "isfahan", "kashan"}
    registry = City.objects.filter(hosts_platform=False)
    assert registry.count() == 15
    assert set(registry.values_list("country", flat=True)) == {"IR"}
    shiraz = NetworkMembership.objects.get(city__slug="shiraz")
    assert (shiraz.since, shiraz.year_unverified) == (dt.date(2016, 1, 1), True)
    assert shiraz.since_precision == "year"  # only the year is known: pages show the year alone
    kashan = NetworkMembership.objects.get(city__slug="kashan", network=Network.UCCN)
    assert kashan.since == dt.date(2025, 10, 31)


def test_partners_of_every_type_are_added_through_the_service(demo):
    partners = Institution.objects.filter(city__slug="kermanshah")
    assert partners.count() == 36
    assert set(partners.values_list("type", flat=True)) == set(InstitutionType.values)
    assert all(p.search_key for p in partners)
    assert partners.get(slug="parnian-sewing-fashion-institute").accreditation == "suspended"
    assert partners.get(slug="razi-university").district.number == 3
    assert AuditEntry.objects.filter(action="institution.create").count() == 36
    contacts = InstitutionContact.objects.filter(institution__city__slug="kermanshah")
    assert contacts.count() >= 5
    assert all(c.is_public and not c.phone and not c.email for c in contacts)


def test_the_learning_domain_tree_keeps_its_order(demo):
    domains = LearningDomain.objects.filter(city__slug="kermanshah")
    top = list(domains.filter(parent=None).order_by("position").values_list("slug", flat=True))
    assert len(top) == 10 and top[0] == "literacy" and top[-1] == "language-learning"
    assert domains.get(slug="literacy-media").parent.slug == "literacy"
    assert domains.count() == 52


def test_every_demo_account_can_log_in_and_holds_its_role(demo):
    city = City.objects.get(slug="kermanshah")
    for account in DEMO_ACCOUNTS:
        user = authenticate(mobile=account.mobile, password=DEMO_PASSWORD)
        assert user is not None, account.key
        assert user.name == account.name
        assert user.profile.city == city
    admin = User.objects.get(mobile="09120000001")
    assert admin.is_superuser and admin.is_staff
    secretariat = User.objects.get(mobile="09120000002")
    assert has_city_capability(secretariat, Capability.MANAGE_INSTITUTIONS, city)
    razi = Institution.objects.get(slug="razi-university")
    editor = User.objects.get(mobile="09120000004")
    assert institution_permissions.can(editor, Capability.MANAGE_PROGRAMMES, razi)
    assert not institution_permissions.can(editor, Capability.MANAGE_INSTITUTION_STAFF, razi)
    institute = StaffMembership.objects.get(user__mobile="09120000005").institution
    assert institute.type == InstitutionType.PRIVATE_TRAINING_INSTITUTE
    assert RoleAssignment.objects.filter(user__mobile="09120000010", role=Role.NATIONAL_COMMISSION_OFFICER,
                                         country="IR", city=None).exists()
    for mobile, role in (("09120000011", Role.JURY_REVIEWER), ("09120000012", Role.NETWORK_COORDINATOR)):
        assert RoleAssignment.objects.filter(user__mobile=mobile, role=role, city=None, country="").exists()
    citizens = User.objects.filter(mobile__in=["09120000007", "09120000008", "09120000009"])
    assert {(u.profile.district.number, u.profile.sex) for u in citizens} == {(2, "female"), (5, "male"),
                                                                              (7, "female")}
    assert all(1940 < u.profile.birth_year < 2010 for u in citizens)


# --- the catalogue ----------------------------------------------------------------------------------------


def test_over_150_programmes_are_published_across_every_domain_district_life_stage_and_format(demo):
    programmes = Programme.objects.filter(city__slug="kermanshah")
    published = programmes.filter(status=ProgrammeStatus.PUBLISHED)
    assert programmes.count() == 169
    assert published.count() >= 150
    # The secretariat officer published them, after the partner submitted them.
    assert set(AuditEntry.objects.filter(action="programme.approve").values_list("actor__mobile", flat=True)) == {
        "09120000002"}
    assert AuditEntry.objects.filter(action="programme.approve").count() == published.count()
    # Partners still awaiting accreditation may draft, not publish: their programmes wait as drafts.
    drafts = programmes.exclude(status=ProgrammeStatus.PUBLISHED)
    assert set(drafts.values_list("status", flat=True)) == {ProgrammeStatus.DRAFT}
    assert not drafts.filter(institution__accreditation=Accreditation.ACCREDITED).exists()
    assert not published.exclude(institution__accreditation=Accreditation.ACCREDITED).exists()

    domains = LearningDomain.objects.filter(city__slug="kermanshah")
    covered = set(published.values_list("domains__slug", flat=True))
    covered |= set(domains.filter(slug__in=covered).values_list("parent__slug", flat=True))
    assert set(domains.filter(parent=None).values_list("slug", flat=True)) <= covered
    assert len(covered & set(domains.exclude(parent=None).values_list("slug", flat=True))) >= 40
    live = Offering.objects.filter(programme__in=published)
    assert set(live.values_list("venue__district__number", flat=True)) - {None} == set(range(1, 9))
    assert set(published.values_list("life_stages__code", flat=True)) - {None} == {
        "children", "teenagers", "youth", "adults", "seniors"}
    assert set(published.values_list("life_stages__kind", flat=True)) - {None} == {AudienceKind.LIFE_STAGE}
    assert len(set(published.values_list("target_groups__code", flat=True)) - {None}) >= 8
    assert set(published.values_list("format", flat=True)) == set(Format.values)
    assert published.filter(fee_rials=0).exists() and published.filter(fee_rials__gt=0).exists()
    assert all(p.search_key for p in programmes)
    assert programme_search_keys_rebuild(programmes) == 0  # the keys are what the services compute


def test_offerings_run_from_months_ago_to_months_ahead_counted_from_today(demo):
    today = timezone.localdate()
    offerings = Offering.objects.filter(city__slug="kermanshah")
    assert offerings.count() == 365
    assert Session.objects.filter(offering__in=offerings).count() == 3229
    assert offerings.filter(ends_on__lt=today - dt.timedelta(days=90)).exists()
    assert offerings.filter(starts_on__gt=today + dt.timedelta(days=90)).exists()
    assert offerings.filter(starts_on__lt=today, ends_on__gte=today).exists()  # under way
    for offering in offerings.prefetch_related("sessions"):
        sessions = list(offering.sessions.all())
        first = sessions[0].starts_at
        assert offering.enrolment_closes_at == first
        opens = timezone.localtime(offering.enrolment_opens_at)
        assert opens.date() == timezone.localdate(first) - dt.timedelta(days=WINDOW_DAYS)
        assert (opens.hour, opens.minute) == (8, 0)
        assert offering.starts_on == timezone.localdate(first)
        assert offering.ends_on == timezone.localdate(sessions[-1].ends_at)
        in_person = offering.programme.format in (Format.IN_PERSON, Format.HYBRID)
        assert (offering.venue is not None) == in_person
        assert bool(offering.online_url) == (offering.programme.format != Format.IN_PERSON)


def test_a_partner_names_each_venue_once(demo):
    venues = Venue.objects.filter(city__slug="kermanshah")
    assert venues.count() == 101
    assert venues.values("institution", "name_fa").distinct().count() == 101
    assert not venues.filter(district=None).exists()
    assert Offering.objects.filter(venue__isnull=False).values("venue").distinct().count() == 101


# --- a year of learning ------------------------------------------------------------------------------------


def test_four_hundred_synthetic_learners_take_part_and_cannot_log_in(demo):
    learners = User.objects.filter(mobile__gte=mobile_for(DEMO_LEARNER_SEED, 0),
                                   mobile__lte=mobile_for(DEMO_LEARNER_SEED, DEMO_LEARNERS - 1))
    assert learners.count() == DEMO_LEARNERS
    assert not any(person.has_usable_password() for person in learners)
    active = learners.filter(enrolments__isnull=False).distinct().count()
    assert active > DEMO_LEARNERS * 0.8
    assert AuditEntry.objects.filter(action="demo.generate").count() == 1


def test_popular_upcoming_offerings_are_full_with_a_waitlist_and_others_have_seats(demo):
    now = timezone.now()
    open_now = Offering.objects.filter(enrolment_opens_at__lte=now, enrolment_closes_at__gt=now)
    full = [o for o in open_now.filter(waitlist_count__gt=0) if o.seats_left == 0]
    assert len(full) >= 10
    for offering in full:
        waiting = offering.enrolments.filter(status=EnrolmentStatus.WAITLISTED)
        positions = [waitlist_position(e) for e in waiting]
        assert sorted(positions) == list(range(1, len(positions) + 1))
    with_seats = [o for o in open_now if o.seats_left > 0 and o.confirmed_count > 0]
    assert len(with_seats) >= 10
    assert open_now.filter(waitlist_policy=WaitlistPolicy.OFFER, offered_count__gt=0).exists()
    # Windows that open later have nobody yet.
    assert not Enrolment.objects.filter(offering__enrolment_opens_at__gt=now).exists()


def test_seats_are_never_oversold_and_every_counter_matches_the_rows(demo):
    offerings = Offering.objects.annotate(
        holding=Count("enrolments", filter=Q(enrolments__status__in=HOLDS_SEAT)),
        offered=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.OFFERED)),
        waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)),
    )
    for offering in offerings:
        assert offering.confirmed_count + offering.offered_count <= offering.capacity, offering.pk
        assert (offering.confirmed_count, offering.offered_count, offering.waitlist_count) == (
            offering.holding, offering.offered, offering.waiting), offering.pk
        if offering.waiting:
            assert offering.holding + offering.offered == offering.capacity, offering.pk
    assert Enrolment.objects.filter(status__in=ACTIVE_STATUSES).values("offering", "citizen").annotate(
        n=Count("id")).filter(n__gt=1).count() == 0


def test_finished_offerings_have_attendance_completions_certificates_and_ratings(demo):
    today = timezone.localdate()
    finished = Offering.objects.filter(ends_on__lt=today - dt.timedelta(days=8), enrolments__isnull=False).distinct()
    assert finished.count() >= 60
    marks = Attendance.objects.filter(session__offering__in=finished)
    share = marks.filter(present=True).count() / marks.count()
    assert 0.7 < share < 0.9  # most people came to most sessions
    undecided = Enrolment.objects.filter(offering__in=finished, status=EnrolmentStatus.CONFIRMED)
    assert not undecided.exists()
    completed = Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED)
    assert completed.count() >= 1000
    assert Enrolment.objects.filter(status=EnrolmentStatus.NOT_COMPLETED).count() >= 100
    records = LearningRecord.objects.all()
    assert records.count() == completed.count() == Certificate.objects.count()
    assert not records.filter(completed_on__gte=today).exists()
    assert records.filter(outcome="passed").exists() and records.filter(outcome="completed").exists()
    # Offerings that ended within the last week still wait for their providers to record completions.
    recent = Enrolment.objects.filter(offering__ends_on__gte=today - dt.timedelta(days=6),
                                      offering__ends_on__lt=today, status=EnrolmentStatus.CONFIRMED)
    assert recent.exists()
    rated = Programme.objects.filter(rating_count__gte=5)
    assert rated.count() >= 20
    assert all(1 <= p.rating_average <= 5 for p in rated)
    for programme in rated[:5]:
        feedback = Feedback.objects.filter(programme=programme)
        assert (programme.rating_count, programme.rating_sum) == (
            feedback.count(), sum(feedback.values_list("rating", flat=True)))
    assert not Feedback.objects.exclude(enrolment__status=EnrolmentStatus.COMPLETED).exists()


def test_the_year_is_dated_as_it_happened_and_ends_before_today(demo):
    start = start_of_today()
    assert not Enrolment.objects.filter(requested_at__gte=start).exists()
    for enrolment in Enrolment.objects.select_related("offering")[:500]:
        assert enrolment.offering.enrolment_opens_at <= enrolment.requested_at < enrolment.offering.enrolment_closes_at
    assert not Attendance.objects.filter(recorded_at__gte=start).exists()
    assert not LearningRecord.objects.filter(recorded_at__gte=start).exists()
    assert not Feedback.objects.filter(given_at__gte=start).exists()
    published = Programme.objects.filter(status=ProgrammeStatus.PUBLISHED)
    assert not published.filter(published_at__gte=start).exists()
    assert published.filter(published_at__lt=start - dt.timedelta(days=200)).exists()
    # Every step went through a service, with its audit entry.
    actions = Counter(AuditEntry.objects.values_list("action", flat=True))
    assert actions["enrolment.request"] == Enrolment.objects.count()
    assert actions["record.create"] == LearningRecord.objects.count()
    assert actions["feedback.give"] == Feedback.objects.count()
    assert actions["enrolment.cancel"] == Enrolment.objects.filter(status=EnrolmentStatus.CANCELLED).count()
    assert actions["enrolment.promote"] >= 1


@pytest.mark.parametrize(("key", "state"), zip(NAMED_CITIZENS, ("confirmed", "waitlisted", "offered"), strict=True))
def test_each_named_citizen_has_completed_learning_and_one_current_place(demo, key, state):
    person = named(key)
    current = enrolments_current_of(person)
    assert [e.status for e in current] == [state]
    place = current[0]
    if state == EnrolmentStatus.WAITLISTED:
        assert place.position == waitlist_position(place) <= WAITLIST_POSITION
    if state == EnrolmentStatus.OFFERED:
        assert place.offer_expires_at > timezone.now()
        assert place.offering.waitlist_policy == WaitlistPolicy.OFFER
    if state == EnrolmentStatus.CONFIRMED:
        assert place.offering.enrolment_closes_at > timezone.now()
    records = list(records_of(person))
    assert len(records) == 1
    assert records[0].certificate.code and records[0].has_feedback
    # below the city's cap, so a person trying the demo can enrol in more
    assert len(current) < settings.ENROLMENT_CAP
    assert authenticate(mobile=person.mobile, password=DEMO_PASSWORD) == person


# --- running it again --------------------------------------------------------------------------------------


def test_the_first_run_says_what_it_added_and_prints_the_accounts(demo):
    assert "169 programme" in demo and "365 offering" in demo and "101 venue" in demo
    assert "Replayed the past year" in demo
    assert "Left out" not in demo  # every programme, offering and planned enrolment went in
    assert DEMO_PASSWORD in demo
    assert all(account.mobile in demo for account in DEMO_ACCOUNTS)


def test_a_second_run_changes_nothing(demo):
    before = database_fingerprint()
    audit_entries = AuditEntry.objects.count()

    again = StringIO()
    call_command("demo", stdout=again)

    assert AuditEntry.objects.count() == audit_entries
    assert database_fingerprint() == before
    assert "nothing changed" in again.getvalue()
    # The accounts table is printed every time, with the password.
    assert DEMO_PASSWORD in again.getvalue()
    assert all(account.mobile in again.getvalue() for account in DEMO_ACCOUNTS)


def test_a_run_on_another_day_changes_nothing_either(demo):
    before = database_fingerprint()
    for days in (1, 45, -20):
        result = load_demo(today=timezone.localdate() + dt.timedelta(days=days))
        assert not result.changed and not any(result.activity.values()), days
    assert database_fingerprint() == before


def test_the_demo_tops_up_what_is_missing_and_keeps_edits(demo):
    razi = Institution.objects.get(slug="razi-university")
    Institution.objects.filter(pk=razi.pk).update(name_en="Razi University of Kermanshah")
    Institution.objects.filter(slug="parnian-sewing-fashion-institute").delete()
    StaffMembership.objects.filter(user__mobile="09120000004").update(role=Role.INSTITUTION_ADMIN)
    # The last run of a programme that nobody could enrol in yet.
    later = Offering.objects.filter(enrolment_opens_at__gt=timezone.now()).order_by("-pk")
    last = next(o for o in later if o.pk == o.programme.offerings.order_by("-pk").first().pk)
    programme, starts_on, sessions = last.programme, last.starts_on, last.sessions.count()
    last.delete()

    result = load_demo()

    assert result.created == {"institution": 1, "offering": 1, "session": sessions}
    assert programme.offerings.order_by("-pk").first().starts_on == starts_on
    assert Institution.objects.get(pk=razi.pk).name_en == "Razi University of Kermanshah"
    assert StaffMembership.objects.get(user__mobile="09120000004").role == Role.INSTITUTION_ADMIN
    assert Institution.objects.filter(city__slug="kermanshah").count() == 36
    assert not any(result.activity.values())


# --- the clock and the messages ----------------------------------------------------------------------------


def test_while_the_demo_loads_nobody_is_texted_or_emailed(db, citizen, django_capture_on_commit_callbacks):
    from django.core import mail

    with messages_withheld() as withheld, django_capture_on_commit_callbacks(execute=True):
        transaction.on_commit(lambda: deliver_sms.delay(citizen.mobile, "سلام"))
        transaction.on_commit(lambda: deliver_email.delay("subject", "body", ["a@example.org"]))
    assert withheld == {"sms": 1, "email": 1}
    assert MemorySmsBackend.outbox == [] and mail.outbox == []
    deliver_sms.delay(citizen.mobile, "after the demo")
    assert [m.body for m in MemorySmsBackend.outbox] == ["after the demo"]


def test_the_demo_clock_only_changes_the_time_while_it_runs():
    real = timezone.now
    moment = timezone.make_aware(dt.datetime(2026, 3, 21, 9, 0))
    with DemoClock().running() as clock:
        with clock.at(moment):
            assert timezone.now() == moment
            assert timezone.localdate() == dt.date(2026, 3, 21)
        assert abs(timezone.now() - clock.real_now()) < dt.timedelta(seconds=5)
    assert timezone.now is real
