"""Who may do what on the enrolment pages: role x action through real requests. Denied is a 404
(or the log-in page for a visitor who is not logged in, where logging in could help)."""

import datetime as dt

import pytest
from django.utils import timezone

from learningcity.catalogue.models import OfferingStatus
from learningcity.enrolment.models import Attendance, Enrolment, EnrolmentStatus

from .conftest import ROLES

EVERYONE = set(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
RUNS_IT = {"institution_editor", "institution_admin", "superuser"}  # the offering's institution staff
OVERSEES = RUNS_IT | {"secretariat"}

# action -> (URL from the offering, the learner's enrolment and a session; who gets the page)
PAGES = {
    "panel": (lambda o, e, s: f"/fa/enrolments/offerings/{o.pk}/", EVERYONE),
    "attendees": (lambda o, e, s: f"/fa/enrolments/offerings/{o.pk}/attendees/", OVERSEES),
    "export_csv": (lambda o, e, s: f"/fa/enrolments/offerings/{o.pk}/attendees.csv", OVERSEES),
    "export_xlsx": (lambda o, e, s: f"/fa/enrolments/offerings/{o.pk}/attendees.xlsx", OVERSEES),
    "check_in": (lambda o, e, s: f"/fa/enrolments/sessions/{s.pk}/check-in/", RUNS_IT),
    "cancel_offering": (lambda o, e, s: f"/fa/enrolments/offerings/{o.pk}/cancel/", OVERSEES),
}


@pytest.fixture
def session(offering):
    """The offering's first session, moved to yesterday so attendance can be taken."""
    first = offering.sessions.order_by("starts_at").first()
    first.starts_at = timezone.now() - dt.timedelta(days=1)
    first.ends_at = first.starts_at + dt.timedelta(hours=2)
    first.save()
    return first


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_the_pages_it_may(request, client_as, role, action, offering, enrolled, session,
                                                  institution_editor, institution_admin):
    url_of, allowed = PAGES[action]
    response = client_as(request.getfixturevalue(role)).get(url_of(offering, enrolled, session))
    assert response.status_code == (200 if role in allowed else 404)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_everyone_logged_in_may_enrol_themselves_and_visitors_are_sent_to_log_in(request, client_as, role,
                                                                                  offering, enrolled):
    person = request.getfixturevalue(role)
    response = client_as(person).post(f"/fa/enrolments/offerings/{offering.pk}/enrol/")
    assert response.status_code == 302
    if person is None:
        assert response["Location"].startswith("/fa/accounts/login/?next=")
        assert Enrolment.objects.count() == 1
    else:
        assert Enrolment.objects.filter(citizen=person, offering=offering).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_the_learner_and_those_who_run_the_offering_may_cancel_a_place(request, client_as, role, offering,
                                                                            enrolled, institution_editor,
                                                                            institution_admin):
    person = request.getfixturevalue(role)
    response = client_as(person).post(f"/fa/enrolments/{enrolled.pk}/cancel/")
    allowed = role in {"learner", "institution_editor", "institution_admin", "secretariat", "superuser"}
    if person is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == (302 if allowed else 404)
    cancelled = Enrolment.objects.get(pk=enrolled.pk).status == EnrolmentStatus.CANCELLED
    assert cancelled == (allowed and person is not None)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_the_offerings_staff_may_take_attendance(request, client_as, role, offering, enrolled, session,
                                                      institution_editor, institution_admin):
    person = request.getfixturevalue(role)
    response = client_as(person).post(f"/fa/enrolments/sessions/{session.pk}/check-in/", {f"p{enrolled.pk}": "1"})
    allowed = role in RUNS_IT
    assert response.status_code == (302 if allowed else 404)
    assert Attendance.objects.filter(enrolment=enrolled, present=True).exists() == allowed


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_those_who_run_or_oversee_the_offering_may_cancel_it(request, client_as, role, offering, enrolled,
                                                                  institution_editor, institution_admin):
    person = request.getfixturevalue(role)
    response = client_as(person).post(f"/fa/enrolments/offerings/{offering.pk}/cancel/",
                                      {"reason": "برگزار نمی‌شود", "confirm": "on"})
    allowed = role in OVERSEES
    assert response.status_code == (302 if allowed else 404)
    offering.refresh_from_db()
    assert (offering.status == OfferingStatus.CANCELLED) == allowed
    assert (Enrolment.objects.get(pk=enrolled.pk).status == EnrolmentStatus.WITHDRAWN) == allowed


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_those_who_run_or_oversee_the_offering_may_change_its_seats(request, client_as, role, offering,
                                                                         institution_editor, institution_admin):
    person = request.getfixturevalue(role)
    response = client_as(person).post(f"/fa/enrolments/offerings/{offering.pk}/capacity/", {"capacity": "7"})
    allowed = role in OVERSEES
    assert response.status_code == (302 if allowed else 404)
    offering.refresh_from_db()
    assert (offering.capacity == 7) == allowed
