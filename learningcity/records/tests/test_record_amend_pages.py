"""The staff's record pages: open a learner's record from the completion page or the secretariat's list,
see its history, correct it, void it, withdraw its certificate; and what the public verification page
says afterwards."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone, translation

from learningcity.core.jalali import format_date
from learningcity.core.models import AuditEntry
from learningcity.core.sms import MemorySmsBackend
from learningcity.core.text import persian_digits
from learningcity.factories import CitizenFactory
from learningcity.records.models import Certificate, LearningRecord, Outcome
from learningcity.records.services import certificate_revoke, record_correct, record_void

from .conftest import ROLES

pytestmark = pytest.mark.django_db

AMENDERS = {"institution_editor", "institution_admin", "secretariat"}


def page(record, lang="fa"):
    return f"/{lang}/records/{record.pk}/"


def fa(msgid, **values):
    with translation.override("fa"):
        text = translation.gettext(msgid)
    return text % values if values else text


def jalali(day: dt.date) -> str:
    """A date as a Persian clerk types it: Jalali, in Persian digits."""
    return format_date(day, "short", "fa")


def correction(record, **changes):
    data = {"correct-hours": str(record.hours), "correct-started_on": jalali(record.started_on),
            "correct-completed_on": jalali(record.completed_on), "correct-outcome": record.outcome}
    data.update({f"correct-{name}": value for name, value in changes.items()})
    return data


@pytest.fixture
def staff(client_as, institution_admin):
    return client_as(institution_admin)


# --- who may open and change a record -----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_a_record_page_only_if_it_may_amend_it(request, client_as, role, completed,
                                                               institution_editor, institution_admin):
    client = client_as(request.getfixturevalue(role))
    response = client.get(page(completed))
    assert response.status_code == (200 if role in AMENDERS else 404)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_secretariat_lists_the_citys_records(request, client_as, role, completed):
    client = client_as(request.getfixturevalue(role))
    response = client.get("/fa/manage/records/")
    assert response.status_code == (200 if role == "secretariat" else 404)
    if role == "secretariat":
        assert f'data-record="{completed.pk}"' in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_only_the_providers_staff_and_the_secretariat_can_void_through_the_page(
    request, client_as, role, completed, institution_editor, institution_admin
):
    client = client_as(request.getfixturevalue(role))
    response = client.post(f"/fa/records/{completed.pk}/void/", {"void-reason": "ثبت اشتباه", "void-confirm": "on"})
    voided = LearningRecord.objects.filter(supersedes=completed).exists()
    if role in AMENDERS:
        assert response.status_code == 302 and voided
    else:
        assert response.status_code == 404 and not voided
        assert Certificate.objects.get(pk=completed.certificate.pk).revoked_at is None


@pytest.mark.parametrize("role", ROLES)
def test_only_the_providers_staff_and_the_secretariat_can_correct_or_revoke(
    request, client_as, role, completed, institution_editor, institution_admin
):
    client = client_as(request.getfixturevalue(role))
    corrected = client.post(f"/fa/records/{completed.pk}/correct/", correction(completed, hours="۱۴"))
    assert corrected.status_code == (302 if role in AMENDERS else 404)
    assert LearningRecord.objects.count() == (2 if role in AMENDERS else 1)
    if role not in AMENDERS:
        revoked = client.post(f"/fa/records/{completed.pk}/revoke-certificate/",
                              {"revoke-reason": "x", "revoke-confirm": "on"})
        assert revoked.status_code == 404
        assert Certificate.objects.get().revoked_at is None


def test_a_record_of_another_city_is_not_found_even_for_its_secretariat_here(client_as, completed, other_secretariat):
    # The other city's secretariat on this city's site (the host decides the city).
    assert client_as(other_secretariat).get(page(completed)).status_code == 404
    assert client_as(other_secretariat).get(page(completed), HTTP_HOST="hamedan.example.org").status_code == 404


# --- finding the record -------------------------------------------------------------------------------


def test_the_completion_page_links_each_completed_learner_to_their_record(staff, completed):
    body = staff.get(f"/fa/offerings/{completed.enrolment.offering_id}/completion/").content.decode()
    assert f'href="/fa/records/{completed.pk}/"' in body


def test_after_a_void_the_completion_page_marks_the_record_voided_and_links_to_the_void(
    staff, completed, institution_admin
):
    void = record_void(record=completed, actor=institution_admin, reason="duplicate")
    body = staff.get(f"/fa/offerings/{completed.enrolment.offering_id}/completion/").content.decode()
    assert "data-record-voided" in body and f'href="/fa/records/{void.pk}/"' in body


def test_the_record_page_shows_the_learner_the_programme_and_a_valid_certificate(staff, completed):
    body = staff.get(page(completed)).content.decode()
    assert "زهرا احمدی" in body and "سواد رسانه‌ای برای خانواده‌ها" in body
    assert persian_digits(completed.citizen.mobile) in body
    assert completed.certificate.code in body and 'data-certificate-state="valid"' in body
    assert 'data-record-state="standing"' in body
    # The correction form is filled in with the record as it stands, dates in Jalali.
    assert jalali(completed.completed_on) in body
    assert f'action="/fa/records/{completed.pk}/void/"' in body


# --- correcting ---------------------------------------------------------------------------------------


def test_a_correction_with_persian_digits_and_jalali_dates_makes_a_new_version(
    staff, completed, django_capture_on_commit_callbacks
):
    started = completed.started_on + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/fa/records/{completed.pk}/correct/",
                              correction(completed, hours="۱۴٫۵", started_on=jalali(started), outcome="passed"),
                              follow=True)

    new = LearningRecord.objects.get(supersedes=completed)
    assert response.redirect_chain[-1][0] == page(new)
    assert (new.hours, new.started_on, new.outcome) == (Decimal("14.5"), started, Outcome.PASSED)
    body = response.content.decode()
    assert "۱۴٫۵" in body and new.certificate.code in body
    # The history shows both versions; the old certificate is marked replaced.
    assert f'data-version="{completed.pk}"' in body and f'data-version="{new.pk}"' in body
    old_row = body.split(f'data-version="{completed.pk}"')[1].split("</tr>")[0]
    assert completed.certificate.code in old_row and fa("Replaced") in old_row
    # The learner is told, with the new certificate's address.
    assert any(new.certificate.code in sms.body for sms in MemorySmsBackend.outbox)


def test_the_old_certificate_says_it_was_replaced_by_a_newer_one(client, staff, completed):
    staff.post(f"/en/records/{completed.pk}/correct/",
               correction(completed, hours="16", started_on=completed.started_on.isoformat(),
                          completed_on=completed.completed_on.isoformat()))
    body = client.get(f"/en/verify/{completed.certificate.code}/").content.decode()
    assert 'data-state="superseded"' in body
    assert f"Replaced by a newer certificate on {format_date(timezone.localdate(), 'long', 'en')}." in body


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"hours": "abc"}, "hours", ("Enter a number.", {})),
    ({"hours": "0"}, "hours",
     ("Ensure this value is greater than or equal to %(limit_value)s.", {"limit_value": "0.1"})),
    ({"completed_on": "1405/13/40"}, "completed_on", ("Enter a real Jalali date like 1405/09/03.", {})),
    ({"started_on": ""}, "started_on", ("This field is required.", {})),
    ({"outcome": "excellent"}, "outcome",
     ("Select a valid choice. %(value)s is not one of the available choices.", {"value": "excellent"})),
])
def test_bad_input_is_shown_on_its_field_and_nothing_is_saved(staff, completed, changes, field, message):
    response = staff.post(f"/fa/records/{completed.pk}/correct/", correction(completed, **changes))

    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="id_correct-{field}_error"' in body
    msgid, values = message
    assert fa(msgid, **values) in body
    assert LearningRecord.objects.count() == 1


def test_a_completion_date_in_the_future_is_refused_with_the_services_message(staff, completed):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = staff.post(f"/fa/records/{completed.pk}/correct/", correction(completed, completed_on=jalali(tomorrow)))
    body = response.content.decode()
    assert 'id="id_correct-completed_on_error"' in body
    assert fa("The completion date cannot be in the future.") in body
    assert LearningRecord.objects.count() == 1


def test_a_start_after_the_completion_is_refused(staff, completed):
    late = completed.completed_on + dt.timedelta(days=1)
    body = staff.post(f"/en/records/{completed.pk}/correct/",
                      correction(completed, started_on=late.isoformat(),
                                 completed_on=completed.completed_on.isoformat())).content.decode()
    assert "The start cannot be after the completion." in body
    assert LearningRecord.objects.count() == 1


def test_saving_without_changing_anything_says_so(staff, completed):
    body = staff.post(f"/en/records/{completed.pk}/correct/",
                      correction(completed, started_on=completed.started_on.isoformat(),
                                 completed_on=completed.completed_on.isoformat())).content.decode()
    assert "Nothing to correct: every value is as recorded." in body
    assert LearningRecord.objects.count() == 1


def test_a_corrected_version_shows_why_it_cannot_change_and_points_to_the_newest(staff, completed, institution_admin):
    new = record_correct(record=completed, actor=institution_admin, hours=Decimal("10"))

    body = staff.get(page(completed, "en")).content.decode()

    assert 'data-record-state="corrected"' in body
    assert "This version was corrected, so it cannot change." in body
    assert f'href="/en/records/{new.pk}/"' in body
    assert f'action="/en/records/{completed.pk}/correct/"' not in body
    # Posting to the old version anyway is refused, visibly, and changes nothing.
    response = staff.post(f"/en/records/{completed.pk}/correct/", correction(
        completed, hours="20", started_on=completed.started_on.isoformat(),
        completed_on=completed.completed_on.isoformat()))
    assert "This record was already corrected; change the newest version." in response.content.decode()
    assert LearningRecord.objects.count() == 2


# --- voiding ------------------------------------------------------------------------------------------


def test_a_void_needs_a_reason_and_a_tick_and_saves_nothing_without(staff, completed):
    no_reason = staff.post(f"/fa/records/{completed.pk}/void/", {"void-reason": "   ", "void-confirm": "on"})
    no_tick = staff.post(f"/fa/records/{completed.pk}/void/", {"void-reason": "ثبت اشتباه"})

    assert 'id="id_void-reason_error"' in no_reason.content.decode()
    assert fa("This field is required.") in no_reason.content.decode()
    assert 'id="id_void-confirm_error"' in no_tick.content.decode()
    assert LearningRecord.objects.count() == 1
    assert Certificate.objects.get().revoked_at is None


def test_a_reason_longer_than_500_characters_is_refused(staff, completed):
    response = staff.post(f"/fa/records/{completed.pk}/void/", {"void-reason": "x" * 501, "void-confirm": "on"})
    assert 'id="id_void-reason_error"' in response.content.decode()
    assert LearningRecord.objects.count() == 1


def test_voiding_withdraws_the_certificate_and_the_verification_page_says_when_and_why(
    client, staff, completed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/fa/records/{completed.pk}/void/",
                              {"void-reason": "ثبت برای شخص اشتباه", "void-confirm": "on"}, follow=True)

    void = LearningRecord.objects.get(supersedes=completed)
    assert response.redirect_chain[-1][0] == page(void)
    body = response.content.decode()
    assert 'data-record-state="voided"' in body and "ثبت برای شخص اشتباه" in body
    assert 'action="/fa/records/' not in body  # no forms on a voided record
    certificate = Certificate.objects.get(pk=completed.certificate.pk)
    assert certificate.revoked_at is not None and certificate.revoked_reason == "ثبت برای شخص اشتباه"

    verify = client.get(f"/fa/verify/{certificate.code}/").content.decode()
    assert 'data-state="voided"' in verify and "data-withdrawn" in verify
    assert format_date(timezone.localdate(), "long", "fa") in verify and "ثبت برای شخص اشتباه" in verify
    assert "زهرا احمدی" not in verify
    # The learner hears about it, once.
    assert sum("ثبت برای شخص اشتباه" in sms.body for sms in MemorySmsBackend.outbox) == 1


def test_the_english_verification_page_says_withdrawn_on_a_gregorian_date(client, completed, institution_admin):
    record_void(record=completed, actor=institution_admin, reason="recorded twice")
    body = client.get(f"/en/verify/{completed.certificate.code}/").content.decode()
    assert f"Withdrawn on {format_date(timezone.localdate(), 'long', 'en')}: recorded twice" in body


def test_voiding_a_voided_record_again_shows_why_it_cannot_change(staff, completed, institution_admin):
    record_void(record=completed, actor=institution_admin, reason="duplicate")
    response = staff.post(f"/en/records/{completed.pk}/void/", {"void-reason": "again", "void-confirm": "on"})
    body = response.content.decode()
    assert "data-refusal" in body
    assert "This record was already corrected; change the newest version." in body
    assert LearningRecord.objects.count() == 2


def test_the_void_page_itself_says_the_record_cannot_change(staff, completed, institution_admin):
    void = record_void(record=completed, actor=institution_admin, reason="duplicate")
    response = staff.post(f"/en/records/{void.pk}/correct/", correction(
        completed, hours="3", started_on=completed.started_on.isoformat(),
        completed_on=completed.completed_on.isoformat()))
    body = response.content.decode()
    assert "This record was voided. A voided record cannot change." in body
    assert "This record was voided; it cannot change." in body
    assert LearningRecord.objects.count() == 2


# --- withdrawing a certificate ------------------------------------------------------------------------


def test_revoking_a_certificate_keeps_the_learning_but_stops_the_code_verifying(
    client, client_as, staff, completed, learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/fa/records/{completed.pk}/revoke-certificate/",
                              {"revoke-reason": "نسخه جعلی دیده شد", "revoke-confirm": "on"}, follow=True)

    body = response.content.decode()
    assert 'data-certificate-state="revoked"' in body and "نسخه جعلی دیده شد" in body
    assert f'action="/fa/records/{completed.pk}/revoke-certificate/"' not in body
    verify = client.get(f"/fa/verify/{completed.certificate.code}/").content.decode()
    assert 'data-state="revoked"' in verify and "نسخه جعلی دیده شد" in verify
    assert format_date(timezone.localdate(), "long", "fa") in verify
    # The learning stays on the learner's record, without a certificate to download.
    learner_client = client_as(learner)
    mine = learner_client.get("/fa/me/learning/").content.decode()
    assert f'data-record="{completed.pk}"' in mine and "data-certificate-withdrawn" in mine
    assert learner_client.get(f"/fa/me/learning/records/{completed.pk}/certificate.pdf").status_code == 404
    # Told by text message and email.
    assert any("نسخه جعلی دیده شد" in sms.body for sms in MemorySmsBackend.outbox)
    assert mail.outbox and mail.outbox[-1].to == ["zahra@example.org"]


def test_revoking_needs_a_reason_and_twice_is_refused(staff, completed, institution_admin):
    empty = staff.post(f"/en/records/{completed.pk}/revoke-certificate/", {"revoke-reason": "", "revoke-confirm": "on"})
    assert 'id="id_revoke-reason_error"' in empty.content.decode()
    assert Certificate.objects.get().revoked_at is None

    certificate_revoke(certificate=completed.certificate, actor=institution_admin, reason="misused")
    again = staff.post(f"/en/records/{completed.pk}/revoke-certificate/",
                       {"revoke-reason": "again", "revoke-confirm": "on"})
    assert "data-refusal" in again.content.decode()
    assert Certificate.objects.get().revoked_reason == "misused"


def test_certificate_revoke_is_audited_and_refused_to_others(completed, institution_admin, other_staff, learner):
    from learningcity.core.errors import Conflict, DomainError, NotAllowed

    with pytest.raises(NotAllowed):
        certificate_revoke(certificate=completed.certificate, actor=other_staff, reason="no")
    with pytest.raises(NotAllowed):
        certificate_revoke(certificate=completed.certificate, actor=learner, reason="no")
    with pytest.raises(DomainError) as error:
        certificate_revoke(certificate=completed.certificate, actor=institution_admin, reason=" ")
    assert error.value.field == "reason"
    assert Certificate.objects.get().revoked_at is None

    certificate_revoke(certificate=completed.certificate, actor=institution_admin, reason="misused")
    entry = AuditEntry.objects.get(action="certificate.revoke")
    assert entry.actor == institution_admin and entry.changes["revoked_reason"] == ["", "misused"]

    corrected = record_correct(record=completed, actor=institution_admin, hours=Decimal("9"))
    with pytest.raises(Conflict):  # an old version's certificate already no longer verifies
        certificate_revoke(certificate=completed.certificate, actor=institution_admin, reason="again")
    assert corrected.certificate.revoked_at is None


def test_voiding_audits_the_certificates_withdrawal_in_the_same_transaction(completed, institution_admin):
    record_void(record=completed, actor=institution_admin, reason="duplicate")
    assert AuditEntry.objects.filter(action="record.void").count() == 1
    assert AuditEntry.objects.get(action="certificate.revoke").changes["revoked_reason"] == ["", "duplicate"]


# --- the secretariat's list ---------------------------------------------------------------------------


def _record(city, institution, citizen, title_fa="خوشنویسی", title_en="Calligraphy", **fields):
    day = timezone.localdate() - dt.timedelta(days=3)
    return LearningRecord.objects.create(
        citizen=citizen, city=city, institution=institution, title_fa=title_fa, title_en=title_en,
        provider_fa=institution.name_fa, provider_en=institution.name_en, hours=Decimal("4"), started_on=day,
        completed_on=day, outcome=Outcome.COMPLETED, **fields,
    )


def test_the_list_finds_records_by_name_mobile_and_title_in_any_spelling(client_as, secretariat, city, institution,
                                                                          completed):
    ali = CitizenFactory(city=city, name="علی کریمی", mobile="09131234567")
    other = _record(city, institution, ali)
    client = client_as(secretariat)

    def found(query):
        body = client.get("/fa/manage/records/", {"q": query}).content.decode()
        return {pk for pk in (completed.pk, other.pk) if f'data-record="{pk}"' in body}

    assert found("") == {completed.pk, other.pk}
    assert found("زهرا") == {completed.pk}
    assert found("علي كريمي") == {other.pk}  # Arabic yeh and kaf
    assert found("۰۹۱۳ ۱۲۳ ۴۵۶۷".replace(" ", "")) == {other.pk}  # mobile in Persian digits
    assert found("+989131234567") == {other.pk}
    assert found("1234") == {other.pk}  # part of a mobile number
    assert found("خانواده") == {completed.pk}  # programme title
    assert found("Calligraphy") == {other.pk}
    assert found("زهرا خوشنویسی") == set()  # every word must match
    assert found("<script>") == set()


def test_the_list_filters_standing_and_voided_records(client_as, secretariat, completed, institution_admin):
    void = record_void(record=completed, actor=institution_admin, reason="duplicate")
    client = client_as(secretariat)
    standing = client.get("/fa/manage/records/").content.decode()
    voided = client.get("/fa/manage/records/", {"state": "voided"}).content.decode()
    everything = client.get("/fa/manage/records/", {"state": "all"}).content.decode()
    nonsense = client.get("/fa/manage/records/", {"state": "'; drop"})

    assert f'data-record="{void.pk}"' not in standing
    assert f'data-record="{void.pk}"' in voided and f'data-record="{void.pk}"' in everything
    assert f'data-record="{completed.pk}"' not in everything  # only the newest version of each record
    assert nonsense.status_code == 200


def test_the_list_leaves_out_other_cities_records(client_as, secretariat, other_city, completed):
    from learningcity.factories import InstitutionFactory

    far = _record(other_city, InstitutionFactory(city=other_city), CitizenFactory(city=other_city))
    body = client_as(secretariat).get("/fa/manage/records/").content.decode()
    assert f'data-record="{completed.pk}"' in body and f'data-record="{far.pk}"' not in body


def test_the_list_is_paginated_with_a_bounded_number_of_queries(client_as, secretariat, city, institution,
                                                                 django_assert_max_num_queries):
    people = [CitizenFactory(city=city) for _ in range(3)]
    for index in range(60):
        record = _record(city, institution, people[index % 3], title_fa=f"دوره {index}")
        Certificate.objects.create(record=record, code=f"AAAA-BBBB-{index:02d}")
    client = client_as(secretariat)

    with django_assert_max_num_queries(12):
        first = client.get("/fa/manage/records/")
    with django_assert_max_num_queries(12):
        last = client.get("/fa/manage/records/", {"page": "3"})
    assert first.content.decode().count("data-record=") == 25
    assert last.content.decode().count("data-record=") == 10
    assert client.get("/fa/manage/records/", {"page": "abc"}).status_code == 200


def test_the_record_page_with_a_long_history_stays_within_the_query_budget(staff, completed, institution_admin,
                                                                           django_assert_max_num_queries):
    record = completed
    for hours in range(13, 19):
        record = record_correct(record=record, actor=institution_admin, hours=Decimal(hours))
    with django_assert_max_num_queries(14):
        response = staff.get(page(completed))
    body = response.content.decode()
    assert body.count("data-version=") == 7
    assert 'data-record-state="corrected"' in body
