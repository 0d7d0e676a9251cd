"""Who may open which record page, through real requests: role x action.

Denied is a 404; a visitor who is not logged in is sent to log in for their own pages.
"""

import pytest

from learningcity.enrolment.models import EnrolmentStatus
from learningcity.records.models import Feedback, LearningRecord

from .conftest import ROLES

LOGGED_IN = set(ROLES) - {"anonymous"}
COMPLETERS = {"institution_editor", "institution_admin", "secretariat"}

# action -> (URL from the completed record, who gets the page; anonymous visitors of own pages are sent to log in)
PAGES = {
    "my_learning": (lambda record: "/fa/me/learning/", LOGGED_IN),
    "certificate_pdf": (lambda record: f"/fa/me/learning/records/{record.pk}/certificate.pdf", {"owner"}),
    "feedback_form": (lambda record: f"/fa/me/learning/enrolments/{record.enrolment_id}/feedback/", {"owner"}),
    "completion_page": (lambda record: f"/fa/offerings/{record.enrolment.offering_id}/completion/", COMPLETERS),
    "verify_page": (lambda record: f"/fa/verify/{record.certificate.code}/", set(ROLES)),
}
LOGIN_FIRST = {"my_learning", "certificate_pdf", "feedback_form"}


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_the_record_pages_it_may(
    request, client_as, role, action, completed, institution_editor, institution_admin
):
    url_of, allowed = PAGES[action]
    client = client_as(request.getfixturevalue(role))

    response = client.get(url_of(completed))

    if role in allowed:
        assert response.status_code == 200
    elif role == "anonymous" and action in LOGIN_FIRST:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_the_learner_can_post_feedback(request, client_as, role, completed):
    client = client_as(request.getfixturevalue(role))
    response = client.post(f"/fa/me/learning/enrolments/{completed.enrolment_id}/feedback/",
                           {"rating": "4", "learnt_what_expected": "yes", "will_use": "partly"})
    assert Feedback.objects.exists() == (role == "owner")
    assert response.status_code == (302 if role in {"owner", "anonymous"} else 404)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_the_providers_staff_and_the_secretariat_can_post_completions(
    request, client_as, role, enrolment, institution_editor, institution_admin
):
    client = client_as(request.getfixturevalue(role))
    response = client.post(f"/fa/offerings/{enrolment.offering_id}/completion/", {"action": "complete_all"})
    enrolment.refresh_from_db()
    if role in COMPLETERS:
        assert response.status_code == 302
        assert enrolment.status == EnrolmentStatus.COMPLETED
    else:
        assert response.status_code == 404
        assert enrolment.status == EnrolmentStatus.CONFIRMED
        assert not LearningRecord.objects.exists()


@pytest.mark.django_db
def test_another_persons_my_learning_shows_only_their_own(client_as, completed, other_citizen):
    body = client_as(other_citizen).get("/fa/me/learning/").content.decode()
    assert "سواد رسانه‌ای برای خانواده‌ها" not in body
    assert client_as(completed.citizen).get("/fa/me/learning/").content.decode().count(
        "سواد رسانه‌ای برای خانواده‌ها") >= 1
