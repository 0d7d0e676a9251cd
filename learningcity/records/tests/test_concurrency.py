"""Simultaneous completions and ratings of the same enrolment: one record, one rating (PostgreSQL only)."""

import threading

import pytest
from django.db import close_old_connections, connection

from learningcity.catalogue.models import Programme
from learningcity.core.errors import DomainError
from learningcity.records.models import Certificate, Feedback, LearningRecord
from learningcity.records.services import enrolment_complete, feedback_give


def _race(n: int, action) -> list[str]:
    barrier = threading.Barrier(n)
    outcomes: list[str] = []

    def run() -> None:
        close_old_connections()
        try:
            barrier.wait()
            action()
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_staff_completing_the_same_learner_at_once_make_one_record(enrolment, institution_admin,
                                                                       institution_editor):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on real PostgreSQL (the CI's second pass)")
    outcomes = _race(4, lambda: enrolment_complete(enrolment=enrolment, actor=institution_admin))
    assert outcomes == ["ok"] * 4  # the later ones find it done and change nothing
    assert LearningRecord.objects.filter(enrolment=enrolment).count() == 1
    assert Certificate.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_feedback_counts_one_rating(completed, learner, programme):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on real PostgreSQL (the CI's second pass)")
    outcomes = _race(4, lambda: feedback_give(enrolment=completed.enrolment, citizen=learner, rating=5,
                                              learnt_what_expected="yes", will_use="yes"))
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    assert Feedback.objects.count() == 1
    programme = Programme.objects.get(pk=programme.pk)
    assert (programme.rating_count, programme.rating_sum) == (1, 5)
