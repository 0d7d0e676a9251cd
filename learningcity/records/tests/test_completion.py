"""Completion: the attendance rule, assessment, idempotence, and what lands on the record."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from learningcity.catalogue.models import Offering, OfferingStatus
from learningcity.core.errors import Conflict, DomainError, NotAllowed
from learningcity.core.models import AuditEntry
from learningcity.core.sms import MemorySmsBackend
from learningcity.enrolment.models import EnrolmentStatus
from learningcity.records.models import Certificate, LearningRecord, Outcome
from learningcity.records.selectors import offering_completion_preview
from learningcity.records.services import enrolment_complete, offering_complete_all

from .conftest import enrol

pytestmark = pytest.mark.django_db


def test_attending_exactly_the_required_share_completes(offering, learner, institution_admin):
    enrolment = enrol(offering, learner, attended=3)  # 3 of 4 = 75%, the rule

    record = enrolment_complete(enrolment=enrolment, actor=institution_admin)

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert record is not None and record.outcome == Outcome.COMPLETED
    assert record.certificate.code


def test_attending_one_session_fewer_than_the_rule_does_not_complete(offering, learner, institution_admin):
    enrolment = enrol(offering, learner, attended=2)  # 50% < 75%

    record = enrolment_complete(enrolment=enrolment, actor=institution_admin)

    enrolment.refresh_from_db()
    assert record is None
    assert enrolment.status == EnrolmentStatus.NOT_COMPLETED
    assert not LearningRecord.objects.filter(citizen=learner).exists()


def test_staff_cannot_force_completion_below_the_attendance_rule(offering, learner, institution_admin):
    enrolment = enrol(offering, learner, attended=2)

    with pytest.raises(DomainError) as error:
        enrolment_complete(enrolment=enrolment, actor=institution_admin, passed=True)

    assert "زهرا احمدی" in str(error.value.message)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CONFIRMED


def test_a_threshold_that_is_not_a_whole_number_of_sessions_rounds_up(programme, learner, institution_admin):
    from .conftest import _finished_offering

    offering = _finished_offering(programme, attendance_percent=70)  # 70% of 4 = 2.8 -> 3 sessions
    below = enrol(offering, learner, attended=2)
    rows = offering_completion_preview(offering=offering)
    assert rows[0].required == 3 and rows[0].meets_rule is False
    assert enrolment_complete(enrolment=below, actor=institution_admin) is None


def test_preview_shows_attended_held_and_whether_the_rule_is_met(offering, learner, other_citizen):
    enrol(offering, learner, attended=3)
    enrol(offering, other_citizen, attended=1)

    rows = {row.enrolment.citizen.name: row for row in offering_completion_preview(offering=offering)}

    assert (rows["زهرا احمدی"].attended, rows["زهرا احمدی"].held, rows["زهرا احمدی"].total) == (3, 4, 4)
    assert rows["زهرا احمدی"].meets_rule is True
    assert rows["علی رضایی"].meets_rule is False


def test_assessed_offering_completes_only_with_an_explicit_pass(assessed_offering, learner, other_citizen,
                                                                 institution_admin):
    passing = enrol(assessed_offering, learner, attended=0)
    failing = enrol(assessed_offering, other_citizen, attended=4)

    with pytest.raises(DomainError):
        enrolment_complete(enrolment=passing, actor=institution_admin)
    record = enrolment_complete(enrolment=passing, actor=institution_admin, passed=True)
    assert enrolment_complete(enrolment=failing, actor=institution_admin, passed=False) is None

    assert record.outcome == Outcome.PASSED
    failing.refresh_from_db()
    assert failing.status == EnrolmentStatus.NOT_COMPLETED
    assert all(row.meets_rule is None for row in offering_completion_preview(offering=assessed_offering))


def test_completing_twice_changes_nothing_and_makes_no_second_record(enrolment, institution_admin,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = enrolment_complete(enrolment=enrolment, actor=institution_admin)
    audits = AuditEntry.objects.count()
    assert len(MemorySmsBackend.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = enrolment_complete(enrolment=enrolment, actor=institution_admin)

    assert second.pk == first.pk
    assert LearningRecord.objects.filter(enrolment=enrolment).count() == 1
    assert Certificate.objects.count() == 1
    assert AuditEntry.objects.count() == audits
    assert callbacks == [] and len(MemorySmsBackend.outbox) == 1


def test_undoing_a_completion_is_refused_it_needs_a_void(enrolment, institution_admin):
    enrolment_complete(enrolment=enrolment, actor=institution_admin)
    with pytest.raises(Conflict):
        enrolment_complete(enrolment=enrolment, actor=institution_admin, passed=False)


def test_not_completed_learner_can_still_complete_after_late_attendance(offering, learner, institution_admin):
    from learningcity.enrolment.models import Attendance

    enrolment = enrol(offering, learner, attended=2)
    assert enrolment_complete(enrolment=enrolment, actor=institution_admin) is None
    Attendance.objects.filter(enrolment=enrolment).update(present=True)

    assert enrolment_complete(enrolment=enrolment, actor=institution_admin) is not None


def test_record_copies_programme_provider_domains_hours_and_session_dates(enrolment, offering, institution_admin):
    record = enrolment_complete(enrolment=enrolment, actor=institution_admin)

    sessions = list(offering.sessions.order_by("starts_at"))
    assert record.title_fa == "سواد رسانه‌ای برای خانواده‌ها"
    assert record.title_en == "Media literacy for families"
    assert record.provider_fa == "کتابخانه عمومی شهید بهشتی"
    assert record.provider_en == "Shahid Beheshti Public Library"
    assert record.domains == [
        {"slug": "media-literacy", "name_fa": "سواد رسانه‌ای", "name_en": "Media literacy"},
        {"slug": "citizenship", "name_fa": "شهروندی", "name_en": "Citizenship"},
    ]
    assert record.hours == Decimal("12.0")
    assert record.started_on == timezone.localtime(sessions[0].starts_at).date()
    assert record.completed_on == timezone.localtime(sessions[-1].starts_at).date()
    assert record.recorded_by == institution_admin


def test_completing_before_the_last_session_dates_the_record_today(programme, learner, institution_admin):
    from learningcity.factories import OfferingFactory

    offering = OfferingFactory(programme=programme, starts_on=timezone.localdate() - __import__("datetime").timedelta(
        days=7), sessions=3, attendance_percent=30)
    enrolment = enrol(offering, learner, attended=1)

    record = enrolment_complete(enrolment=enrolment, actor=institution_admin)

    assert record.completed_on == timezone.localdate()


def test_record_keeps_what_was_learnt_after_the_programme_changes(enrolment, programme, institution_admin,
                                                                  media_literacy):
    record = enrolment_complete(enrolment=enrolment, actor=institution_admin)

    programme.title_fa = "عنوان تازه"
    programme.hours = Decimal("40")
    programme.save()
    programme.domains.clear()
    media_literacy.name_fa = "نام دیگر"
    media_literacy.save()

    record.refresh_from_db()
    assert record.title_fa == "سواد رسانه‌ای برای خانواده‌ها"
    assert record.hours == Decimal("12.0")
    assert record.domains[0]["name_fa"] == "سواد رسانه‌ای"


def test_learner_hears_about_it_in_their_language_with_the_verification_link(
    enrolment, learner, institution_admin, django_capture_on_commit_callbacks
):
    learner.preferred_language = "en"
    learner.save(update_fields=["preferred_language"])

    with django_capture_on_commit_callbacks(execute=True):
        record = enrolment_complete(enrolment=enrolment, actor=institution_admin)

    code = record.certificate.code
    [sms] = [m for m in MemorySmsBackend.outbox if m.to == learner.mobile]
    assert "You have completed" in sms.body and f"/en/verify/{code}/" in sms.body
    [email] = mail.outbox
    assert email.to == ["zahra@example.org"] and f"/en/verify/{code}/" in email.body


def test_persian_learner_gets_a_persian_message(enrolment, learner, institution_admin,
                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = enrolment_complete(enrolment=enrolment, actor=institution_admin)
    [sms] = MemorySmsBackend.outbox
    assert f"/fa/verify/{record.certificate.code}/" in sms.body
    assert "سواد رسانه‌ای برای خانواده‌ها" in sms.body


def test_completion_is_audited(enrolment, institution_admin):
    record = enrolment_complete(enrolment=enrolment, actor=institution_admin)
    actions = set(AuditEntry.objects.filter(actor=institution_admin).values_list("action", flat=True))
    assert {"record.create", "enrolment.completed"} <= actions
    assert AuditEntry.objects.get(action="record.create").object_id == str(record.pk)


def test_a_completed_learner_keeps_their_seat_so_completion_never_reopens_enrolment(enrolment, offering,
                                                                                      institution_admin):
    import datetime as dt

    from django.utils import timezone

    # completion recorded while enrolment is still open
    offering.capacity = 1
    offering.enrolment_closes_at = timezone.now() + dt.timedelta(days=3)
    offering.enrolment_opens_at = timezone.now() - dt.timedelta(days=30)
    offering.save(update_fields=["capacity", "enrolment_closes_at", "enrolment_opens_at"])
    Offering.objects.filter(pk=offering.pk).update(confirmed_count=1)
    assert Offering.objects.get(pk=offering.pk).seats_left == 0
    enrolment_complete(enrolment=enrolment, actor=institution_admin)
    assert Offering.objects.get(pk=offering.pk).seats_left == 0
    from learningcity.enrolment.services import enrolment_request
    from learningcity.factories import CitizenFactory

    latecomer, _created = enrolment_request(offering=offering, citizen=CitizenFactory(city=offering.city),
                                            acting_user=None)
    assert latecomer.status == "waitlisted"


def test_nothing_is_half_saved_when_the_certificate_cannot_be_issued(enrolment, institution_admin, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    from learningcity.records import services

    monkeypatch.setattr(services, "new_code", lambda: "AAAA-AAAA-AA")
    Certificate.objects.create(record=_other_record(institution_admin), code="AAAA-AAAA-AA")

    with pytest.raises(Conflict), django_capture_on_commit_callbacks(execute=True):
        enrolment_complete(enrolment=enrolment, actor=institution_admin)

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CONFIRMED
    assert not LearningRecord.objects.filter(enrolment=enrolment).exists()
    assert MemorySmsBackend.outbox == []


def _other_record(actor):
    from learningcity.factories import CitizenFactory, OfferingFactory

    from .conftest import enrol as enrol_

    offering = OfferingFactory(starts_on=timezone.localdate() - __import__("datetime").timedelta(days=30))
    enrolment = enrol_(offering, CitizenFactory(city=offering.city), attended=3)
    return LearningRecord.objects.create(
        citizen=enrolment.citizen, city=offering.city, enrolment=enrolment, programme=offering.programme,
        institution=offering.programme.institution, title_fa="x", provider_fa="y", hours=1,
        started_on=offering.starts_on, completed_on=offering.starts_on, outcome="completed",
    )


@pytest.mark.parametrize("who", ["citizen", "other_staff", "other_secretariat", "anonymous"])
def test_only_the_providers_staff_or_the_secretariat_may_complete(request, who, enrolment):
    from django.contrib.auth.models import AnonymousUser

    actor = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        enrolment_complete(enrolment=enrolment, actor=actor)
    assert not LearningRecord.objects.exists()


@pytest.mark.parametrize("who", ["institution_editor", "institution_admin", "secretariat", "superuser"])
def test_staff_with_record_attendance_and_the_secretariat_complete(request, who, enrolment):
    assert enrolment_complete(enrolment=enrolment, actor=request.getfixturevalue(who)) is not None


def test_a_cancelled_offering_cannot_be_completed(enrolment, offering, institution_admin):
    Offering.objects.filter(pk=offering.pk).update(status=OfferingStatus.CANCELLED)
    with pytest.raises(DomainError):
        enrolment_complete(enrolment=enrolment, actor=institution_admin)


def test_waitlisted_learner_cannot_complete(offering, learner, institution_admin):
    enrolment = enrol(offering, learner, attended=4)
    type(enrolment).objects.filter(pk=enrolment.pk).update(status=EnrolmentStatus.WAITLISTED)
    enrolment.refresh_from_db()
    with pytest.raises(DomainError):
        enrolment_complete(enrolment=enrolment, actor=institution_admin)


def test_complete_all_applies_the_rule_to_everyone_at_once(offering, learner, other_citizen, citizen,
                                                           institution_admin):
    enrol(offering, learner, attended=4)
    enrol(offering, other_citizen, attended=3)
    below = enrol(offering, citizen, attended=1)

    assert offering_complete_all(offering=offering, actor=institution_admin) == 2

    assert LearningRecord.objects.count() == 2
    below.refresh_from_db()
    assert below.status == EnrolmentStatus.CONFIRMED  # kept, so late attendance can still count
    assert offering_complete_all(offering=offering, actor=institution_admin) == 0
    assert LearningRecord.objects.count() == 2


def test_complete_all_is_refused_for_assessed_offerings(assessed_offering, learner, institution_admin):
    enrol(assessed_offering, learner, attended=4)
    with pytest.raises(DomainError):
        offering_complete_all(offering=assessed_offering, actor=institution_admin)


def test_certificate_code_is_ten_unambiguous_characters_in_groups(completed):
    code = completed.certificate.code
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{2}", code)
    assert not set(code) & set("01OI")
