"""Records are never edited in place: a correction or a void is a new row that supersedes the old one."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from learningcity.core.errors import Conflict, DomainError, NotAllowed
from learningcity.core.models import AuditEntry
from learningcity.records.models import Certificate, LearningRecord
from learningcity.records.selectors import certificate_verification, records_of
from learningcity.records.services import record_correct, record_void

pytestmark = pytest.mark.django_db


def _row(record):
    return {f.attname: getattr(record, f.attname) for f in LearningRecord._meta.concrete_fields}


def test_correcting_hours_appends_a_new_record_and_leaves_the_old_row_unchanged(completed, institution_admin):
    before = _row(LearningRecord.objects.get(pk=completed.pk))

    corrected = record_correct(record=completed, actor=institution_admin, hours=Decimal("14.5"))

    assert corrected.pk != completed.pk
    assert corrected.supersedes_id == completed.pk
    assert corrected.hours == Decimal("14.5")
    assert corrected.title_fa == completed.title_fa and corrected.enrolment_id == completed.enrolment_id
    assert _row(LearningRecord.objects.get(pk=completed.pk)) == before
    assert list(records_of(completed.citizen)) == [corrected]


def test_a_correction_gets_a_new_certificate_and_the_old_one_stops_verifying(completed, institution_admin):
    old_code = completed.certificate.code

    corrected = record_correct(record=completed, actor=institution_admin, title_en="Media literacy for parents")

    assert corrected.certificate.code != old_code
    assert certificate_verification(old_code).state == "superseded"
    assert certificate_verification(corrected.certificate.code).valid
    assert Certificate.objects.get(code=old_code).revoked_at is None  # the old certificate row is untouched too


def test_voiding_appends_a_void_marker_and_the_certificate_shows_as_withdrawn(completed, institution_admin):
    before = _row(LearningRecord.objects.get(pk=completed.pk))

    void = record_void(record=completed, actor=institution_admin, reason="ثبت برای شخص اشتباه")

    assert void.supersedes_id == completed.pk and void.voided_reason == "ثبت برای شخص اشتباه"
    assert _row(LearningRecord.objects.get(pk=completed.pk)) == before
    assert list(records_of(completed.citizen)) == []
    assert certificate_verification(completed.certificate.code).state == "voided"
    assert not hasattr(void, "certificate") or void.certificate is None


def test_voiding_a_corrected_record_withdraws_every_earlier_certificate(completed, institution_admin):
    first_code = completed.certificate.code
    corrected = record_correct(record=completed, actor=institution_admin, hours=Decimal("10"))
    record_void(record=corrected, actor=institution_admin, reason="duplicate")

    assert certificate_verification(first_code).state == "voided"
    assert certificate_verification(corrected.certificate.code).state == "voided"


def test_only_the_newest_version_can_be_corrected_or_voided(completed, institution_admin):
    record_correct(record=completed, actor=institution_admin, hours=Decimal("10"))
    with pytest.raises(Conflict):
        record_correct(record=completed, actor=institution_admin, hours=Decimal("11"))
    with pytest.raises(Conflict):
        record_void(record=completed, actor=institution_admin, reason="x")
    assert LearningRecord.objects.count() == 2


def test_a_void_is_final(completed, institution_admin):
    void = record_void(record=completed, actor=institution_admin, reason="mistake")
    with pytest.raises(Conflict):
        record_correct(record=void, actor=institution_admin, hours=Decimal("3"))


@pytest.mark.parametrize("fields", [
    {"hours": Decimal("0")},
    {"hours": "a lot"},
    {"started_on": dt.date(2100, 1, 1)},
    {"completed_on": dt.date(2100, 1, 1)},
    {"outcome": "excellent"},
    {"domains": "media"},
    {"citizen": 1},
    {},
])
def test_bad_corrections_are_refused_and_nothing_is_saved(completed, institution_admin, fields):
    with pytest.raises(DomainError):
        record_correct(record=completed, actor=institution_admin, **fields)
    assert LearningRecord.objects.count() == 1


def test_a_void_needs_a_reason(completed, institution_admin):
    with pytest.raises(DomainError):
        record_void(record=completed, actor=institution_admin, reason="  ")
    assert LearningRecord.objects.count() == 1


@pytest.mark.parametrize("who", ["learner", "other_citizen", "other_staff", "other_secretariat"])
def test_learners_and_strangers_cannot_change_records(request, completed, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        record_void(record=completed, actor=actor, reason="no")
    with pytest.raises(NotAllowed):
        record_correct(record=completed, actor=actor, hours=Decimal("99"))
    assert LearningRecord.objects.count() == 1


def test_the_secretariat_may_correct_and_it_is_audited(completed, secretariat):
    corrected = record_correct(record=completed, actor=secretariat, provider_en="Beheshti Library")
    entry = AuditEntry.objects.get(action="record.correct")
    assert entry.actor == secretariat and entry.object_id == str(corrected.pk)


def test_learner_is_told_about_a_correction(completed, institution_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        corrected = record_correct(record=completed, actor=institution_admin, hours=Decimal("13"))
    assert any(corrected.certificate.code in message.body for message in mail.outbox)


def test_the_database_refuses_a_second_successor_of_the_same_record(completed, institution_admin):
    """Two corrections racing past the checks: the one-to-one `supersedes` lets only one through."""
    from learningcity.records import services

    locked = services._copy(completed, institution_admin, hours=Decimal("9"))
    services._save_successor(locked)
    with pytest.raises(Conflict):
        services._save_successor(services._copy(completed, institution_admin, hours=Decimal("8")))
