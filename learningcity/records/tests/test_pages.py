"""My learning and the staff completion page, as people see them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from learningcity.enrolment.models import EnrolmentStatus
from learningcity.factories import CitizenFactory, EnrolmentFactory, OfferingFactory, ProgrammeFactory
from learningcity.records.models import LearningRecord
from learningcity.records.services import enrolment_complete

from .conftest import _finished_offering, enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def upcoming(programme):
    return OfferingFactory(programme=programme)


def test_my_learning_shows_current_enrolments_waitlist_position_and_offer_deadline(client, learner, city,
                                                                                  institution):
    confirmed = EnrolmentFactory(offering=OfferingFactory(programme=ProgrammeFactory(institution=institution,
                                                                                      title_fa="خوشنویسی")),
                                 citizen=learner)
    full = OfferingFactory(programme=ProgrammeFactory(institution=institution, title_fa="عکاسی"))
    for _ in range(2):
        EnrolmentFactory(offering=full, citizen=CitizenFactory(city=city), status=EnrolmentStatus.WAITLISTED)
    waiting = EnrolmentFactory(offering=full, citizen=learner, status=EnrolmentStatus.WAITLISTED)
    EnrolmentFactory(offering=full, citizen=CitizenFactory(city=city), status=EnrolmentStatus.WAITLISTED)
    offered = EnrolmentFactory(
        offering=OfferingFactory(programme=ProgrammeFactory(institution=institution, title_fa="سفالگری")),
        citizen=learner, status=EnrolmentStatus.OFFERED,
        offer_expires_at=timezone.make_aware(dt.datetime(2026, 11, 24, 14, 30)),
    )
    client.force_login(learner)

    body = client.get("/fa/me/learning/").content.decode()

    for enrolment in (confirmed, waiting, offered):
        assert f'data-enrolment="{enrolment.pk}"' in body
    assert "خوشنویسی" in body and "عکاسی" in body and "سفالگری" in body
    assert "۳" in body.split(f'data-enrolment="{waiting.pk}"')[1].split("</li>")[0]  # third in the queue
    assert "۳ آذر ۱۴۰۵" in body  # the offer deadline in Jalali
    offered_card = body.split(f'data-enrolment="{offered.pk}"')[1].split("</li>")[0]
    assert f'action="/fa/enrolments/{offered.pk}/accept/"' in offered_card
    assert 'name="next" value="/fa/me/learning/"' in offered_card
    assert f'action="/fa/enrolments/{waiting.pk}/cancel/"' in body


def test_a_priority_group_goes_ahead_in_the_waitlist_position(client, learner, city, upcoming):
    EnrolmentFactory(offering=upcoming, citizen=CitizenFactory(city=city), status=EnrolmentStatus.WAITLISTED)
    waiting = EnrolmentFactory(offering=upcoming, citizen=learner, status=EnrolmentStatus.WAITLISTED, priority=1)
    from learningcity.records.selectors import enrolments_current_of

    [row] = enrolments_current_of(learner)
    assert row.pk == waiting.pk and row.position == 1


def test_my_learning_shows_completed_learning_hours_by_domain_and_certificate_links(client, learner, completed,
                                                                                   programme, institution_admin,
                                                                                   media_literacy):
    other = ProgrammeFactory(institution=programme.institution, title_fa="نقد فیلم", hours=Decimal("6.5"),
                             domains=[media_literacy])
    second = enrolment_complete(enrolment=enrol(_finished_offering(other), learner, attended=4),
                                actor=institution_admin)
    client.force_login(learner)

    body = client.get("/fa/me/learning/").content.decode()

    assert "۱۸٫۵" in body  # 12 + 6.5 hours in total
    media_row = body.split('data-domain="media-literacy"')[1].split("</tr>")[0]
    assert "۱۸٫۵" in media_row and "inline-size: 100%" in media_row
    citizenship_row = body.split('data-domain="citizenship"')[1].split("</tr>")[0]
    assert "۱۲" in citizenship_row and "inline-size: 65%" in citizenship_row
    assert 'aria-hidden="true"' in citizenship_row
    assert "سواد رسانه‌ای، شهروندی" in body
    for record in (completed, second):
        assert f"/fa/me/learning/records/{record.pk}/certificate.pdf" in body
        assert f"/fa/verify/{record.certificate.code}/" in body


def test_superseded_and_voided_records_are_not_listed(client, learner, completed, institution_admin):
    from learningcity.records.services import record_correct

    corrected = record_correct(record=completed, actor=institution_admin, title_fa="عنوان اصلاح‌شده")
    client.force_login(learner)
    body = client.get("/fa/me/learning/").content.decode()
    assert "عنوان اصلاح‌شده" in body and f'data-record="{completed.pk}"' not in body
    assert f'data-record="{corrected.pk}"' in body


def test_english_my_learning_uses_english_titles_and_gregorian_dates(client, learner, completed):
    client.force_login(learner)
    body = client.get("/en/me/learning/").content.decode()
    assert "Media literacy for families" in body
    assert str(completed.completed_on.year) in body


def test_my_learning_stays_within_the_query_budget(client, learner, city, institution, institution_admin,
                                                  django_assert_max_num_queries):
    for n in range(6):
        programme = ProgrammeFactory(institution=institution, title_fa=f"دوره {n}")
        enrolment_complete(enrolment=enrol(_finished_offering(programme), learner, attended=4),
                           actor=institution_admin)
    for _ in range(3):
        offering = OfferingFactory(programme=ProgrammeFactory(institution=institution))
        EnrolmentFactory(offering=offering, citizen=learner, status=EnrolmentStatus.WAITLISTED)
    client.force_login(learner)
    with django_assert_max_num_queries(15):
        response = client.get("/fa/me/learning/")
    assert response.status_code == 200 and response.content.decode().count("data-record=") == 6


def test_empty_my_learning_says_so(client, learner):
    client.force_login(learner)
    response = client.get("/fa/me/learning/")
    assert response.status_code == 200


# --- Completion page --------------------------------------------------------------------------

def test_completion_page_lists_attendance_against_the_rule(client, institution_admin, offering, learner,
                                                           other_citizen):
    below = enrol(offering, other_citizen, attended=1)
    meets = enrol(offering, learner, attended=3)
    client.force_login(institution_admin)

    body = client.get(f"/fa/offerings/{offering.pk}/completion/").content.decode()

    meets_row = body.split(f'data-enrolment="{meets.pk}"')[1].split("</tr>")[0]
    below_row = body.split(f'data-enrolment="{below.pk}"')[1].split("</tr>")[0]
    assert "۳" in meets_row and 'value="complete"' in meets_row
    assert 'value="complete"' not in below_row and 'value="not_completed"' in below_row
    assert 'name="action" value="complete_all"' in body


def test_complete_everyone_button_completes_those_who_meet_the_rule(client, institution_admin, offering, learner,
                                                                    other_citizen):
    below = enrol(offering, other_citizen, attended=1)
    meets = enrol(offering, learner, attended=3)
    client.force_login(institution_admin)

    response = client.post(f"/fa/offerings/{offering.pk}/completion/", {"action": "complete_all"}, follow=True)

    meets.refresh_from_db()
    below.refresh_from_db()
    assert meets.status == EnrolmentStatus.COMPLETED and below.status == EnrolmentStatus.CONFIRMED
    assert response.status_code == 200 and "alert-success" in response.content.decode()


def test_assessed_offering_page_has_pass_buttons_and_records_a_pass(client, institution_admin, assessed_offering,
                                                                    learner, other_citizen):
    passing = enrol(assessed_offering, learner)
    failing = enrol(assessed_offering, other_citizen)
    client.force_login(institution_admin)
    url = f"/fa/offerings/{assessed_offering.pk}/completion/"

    body = client.get(url).content.decode()
    assert 'value="pass"' in body and 'value="fail"' in body and "complete_all" not in body

    client.post(url, {"action": "pass", "enrolment": passing.pk})
    client.post(url, {"action": "fail", "enrolment": failing.pk})
    passing.refresh_from_db()
    failing.refresh_from_db()
    assert passing.status == EnrolmentStatus.COMPLETED and failing.status == EnrolmentStatus.NOT_COMPLETED
    assert LearningRecord.objects.get().outcome == "passed"


@pytest.mark.parametrize("data", [
    {"action": "explode"},
    {"action": "pass"},
    {"action": "pass", "enrolment": "abc"},
    {"action": "complete", "enrolment": "999999"},
    {},
])
def test_bad_completion_posts_get_a_message_not_an_error(client, institution_admin, offering, learner, data):
    enrol(offering, learner, attended=4)
    client.force_login(institution_admin)
    response = client.post(f"/fa/offerings/{offering.pk}/completion/", data, follow=True)
    assert response.status_code == 200 and "alert-danger" in response.content.decode()
    assert not LearningRecord.objects.exists()


def test_a_learner_of_another_offering_cannot_be_completed_from_this_page(client, institution_admin, offering,
                                                                          programme, learner):
    elsewhere = enrol(_finished_offering(programme), learner, attended=4)
    client.force_login(institution_admin)
    client.post(f"/fa/offerings/{offering.pk}/completion/", {"action": "complete", "enrolment": elsewhere.pk})
    elsewhere.refresh_from_db()
    assert elsewhere.status == EnrolmentStatus.CONFIRMED


def test_forcing_a_completion_below_the_rule_shows_why(client, institution_admin, offering, learner):
    below = enrol(offering, learner, attended=1)
    client.force_login(institution_admin)
    response = client.post(f"/fa/offerings/{offering.pk}/completion/",
                           {"action": "complete", "enrolment": below.pk}, follow=True)
    assert "زهرا احمدی" in response.content.decode() and "alert-danger" in response.content.decode()


def test_completion_page_stays_within_the_query_budget(client, institution_admin, offering, city,
                                                       django_assert_max_num_queries):
    for attended in range(5):
        enrol(offering, CitizenFactory(city=city), attended=attended % 5)
    client.force_login(institution_admin)
    with django_assert_max_num_queries(15):
        assert client.get(f"/fa/offerings/{offering.pk}/completion/").status_code == 200


def test_another_citys_secretariat_cannot_open_this_citys_completion_page(client, other_secretariat, offering):
    client.force_login(other_secretariat)
    assert client.get(f"/fa/offerings/{offering.pk}/completion/", HTTP_HOST="hamedan.example.org").status_code == 404
