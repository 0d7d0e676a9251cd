"""Feedback: only the learner, only after completion, once; the programme's average shows from five ratings."""

import pytest

from learningcity.catalogue.models import Programme
from learningcity.core.errors import Conflict, DomainError, NotAllowed
from learningcity.factories import CitizenFactory
from learningcity.records.models import Feedback
from learningcity.records.services import enrolment_complete, feedback_give

from .conftest import enrol

pytestmark = pytest.mark.django_db

ANSWERS = {"learnt_what_expected": "yes", "will_use": "partly"}


def test_learner_rates_a_completed_programme_and_the_totals_follow(completed, learner, programme):
    feedback = feedback_give(enrolment=completed.enrolment, citizen=learner, rating=4, comment="عالی بود", **ANSWERS)

    programme.refresh_from_db()
    assert (programme.rating_count, programme.rating_sum) == (1, 4)
    assert feedback.programme == programme and feedback.comment == "عالی بود"


def test_feedback_is_given_once(completed, learner, programme):
    feedback_give(enrolment=completed.enrolment, citizen=learner, rating=5, **ANSWERS)
    with pytest.raises(Conflict):
        feedback_give(enrolment=completed.enrolment, citizen=learner, rating=1, **ANSWERS)
    programme.refresh_from_db()
    assert (programme.rating_count, programme.rating_sum) == (1, 5)


def test_feedback_waits_for_completion(enrolment, learner, programme):
    with pytest.raises(DomainError):
        feedback_give(enrolment=enrolment, citizen=learner, rating=5, **ANSWERS)
    assert not Feedback.objects.exists()


def test_only_the_learner_gives_feedback(completed, other_citizen):
    with pytest.raises(NotAllowed):
        feedback_give(enrolment=completed.enrolment, citizen=other_citizen, rating=5, **ANSWERS)


@pytest.mark.parametrize("rating", [0, 6, -1, "five", None])
def test_ratings_outside_one_to_five_are_refused(completed, learner, programme, rating):
    with pytest.raises(DomainError):
        feedback_give(enrolment=completed.enrolment, citizen=learner, rating=rating, **ANSWERS)
    programme.refresh_from_db()
    assert programme.rating_count == 0 and not Feedback.objects.exists()


def test_answers_must_be_one_of_the_choices(completed, learner):
    with pytest.raises(DomainError):
        feedback_give(enrolment=completed.enrolment, citizen=learner, rating=3, learnt_what_expected="maybe",
                      will_use="yes")


def test_the_average_appears_with_the_fifth_rating(offering, programme, institution_admin):
    ratings = [5, 4, 4, 3, 5]
    for number, rating in enumerate(ratings, start=1):
        person = CitizenFactory(city=offering.city)
        enrolment = enrol(offering, person, attended=4)
        enrolment_complete(enrolment=enrolment, actor=institution_admin)
        feedback_give(enrolment=enrolment, citizen=person, rating=rating, **ANSWERS)
        programme = Programme.objects.get(pk=programme.pk)
        if number < 5:
            assert programme.rating_average is None
    assert programme.rating_count == 5
    assert programme.rating_average == 4.2


# --- Through the page ---------------------------------------------------------------------------

def test_feedback_form_has_star_radios_with_labels_and_the_two_questions(client, learner, completed):
    client.force_login(learner)
    body = client.get(f"/fa/me/learning/enrolments/{completed.enrolment_id}/feedback/").content.decode()
    assert body.count('type="radio" name="rating"') == 5
    assert "bi-star-fill" in body and "<legend" in body
    assert 'name="learnt_what_expected"' in body and 'name="will_use"' in body and 'name="comment"' in body


def test_sending_the_form_thanks_the_learner_and_removes_the_link(client, learner, completed):
    client.force_login(learner)
    url = f"/fa/me/learning/enrolments/{completed.enrolment_id}/feedback/"
    assert url in client.get("/fa/me/learning/").content.decode()

    response = client.post(url, {"rating": "5", "learnt_what_expected": "yes", "will_use": "yes",
                                 "comment": "<b>خوب</b>"}, follow=True)

    assert response.redirect_chain[-1][0] == "/fa/me/learning/"
    assert url not in response.content.decode()
    assert Feedback.objects.get().comment == "<b>خوب</b>"


def test_a_second_visit_says_it_was_already_given(client, learner, completed):
    feedback_give(enrolment=completed.enrolment, citizen=learner, rating=3, **ANSWERS)
    client.force_login(learner)
    response = client.post(f"/fa/me/learning/enrolments/{completed.enrolment_id}/feedback/",
                           {"rating": "1", "learnt_what_expected": "no", "will_use": "no"})
    assert response.status_code == 302
    assert Feedback.objects.count() == 1


@pytest.mark.parametrize("data", [
    {"rating": "6", "learnt_what_expected": "yes", "will_use": "yes"},
    {"rating": "0", "learnt_what_expected": "yes", "will_use": "yes"},
    {"learnt_what_expected": "yes", "will_use": "yes"},
    {"rating": "3", "learnt_what_expected": "maybe", "will_use": "yes"},
    {"rating": "3", "learnt_what_expected": "yes", "will_use": "yes", "comment": "x" * 1001},
])
def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(client, learner, completed, data):
    client.force_login(learner)
    response = client.post(f"/fa/me/learning/enrolments/{completed.enrolment_id}/feedback/", data)
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode() or "alert-danger" in response.content.decode()
    assert not Feedback.objects.exists()


def test_the_form_is_not_there_before_completion(client, learner, enrolment):
    client.force_login(learner)
    assert client.get(f"/fa/me/learning/enrolments/{enrolment.pk}/feedback/").status_code == 404


def test_feedback_page_stays_within_the_query_budget(client, learner, completed, django_assert_max_num_queries):
    client.force_login(learner)
    with django_assert_max_num_queries(15):
        assert client.get(f"/fa/me/learning/enrolments/{completed.enrolment_id}/feedback/").status_code == 200
