"""One chair and one secretary at a time, even when several people appoint at once (PostgreSQL only).

Each thread has its own database connection and is released at a barrier. With the group row locked,
the losers get a clear "already has a chair" answer; with the lock removed (the control), the race
really happens and the database's own constraint still turns it into the same clear conflict, never
an error page.
"""

import threading

import pytest
from django.conf import settings
from django.db import connections
from django.utils import translation

from learningcity.core.errors import Conflict
from learningcity.factories import UserFactory, WorkingGroupFactory
from learningcity.workgroups.models import GroupMember, GroupRole, WorkingGroup
from learningcity.workgroups.services import groups as services

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="real row locks and parallel connections need PostgreSQL (set DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]

THREADS = 6


def in_parallel(count: int, work) -> list:
    """Run `work(i)` in `count` threads released at once; each uses and then closes its own connection."""
    barrier = threading.Barrier(count, timeout=30)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001  (reported by the test, not lost in the thread)
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


@pytest.fixture
def group(city):
    return WorkingGroupFactory(city=city)


def _appoint_chairs(group, **kwargs) -> list:
    people = [UserFactory() for _ in range(THREADS)]

    def appoint(i: int):
        with translation.override("en"):
            return services.member_add(group=group, actor=None, user=people[i], role=GroupRole.CHAIR, notify=False,
                                       **kwargs)

    return in_parallel(THREADS, appoint)


def test_of_several_people_appointed_chair_at_once_exactly_one_is_and_the_rest_are_told_why(group):
    results = _appoint_chairs(group)
    seated = [r for r in results if isinstance(r, GroupMember)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(seated) == 1 and len(refused) == THREADS - 1, results
    assert all(r.code == "seat_taken" for r in refused)
    assert GroupMember.objects.filter(group=group, role=GroupRole.CHAIR, left_on__isnull=True).count() == 1


def test_chairs_replacing_each_other_at_once_leave_exactly_one_chair_and_everyone_else_a_member(group):
    results = _appoint_chairs(group, replace_current=True)
    assert all(isinstance(r, GroupMember) for r in results), results
    current = GroupMember.objects.filter(group=group, left_on__isnull=True)
    assert current.count() == THREADS
    assert current.filter(role=GroupRole.CHAIR).count() == 1
    assert current.filter(role=GroupRole.MEMBER).count() == THREADS - 1


def test_control_without_the_group_lock_the_race_happens_and_the_constraint_still_answers_clearly(group,
                                                                                                  monkeypatch):
    monkeypatch.setattr(services, "_lock_group", lambda g: WorkingGroup.objects.select_related("city").get(pk=g.pk))
    real_holder = services._holder
    arrived = threading.Barrier(THREADS, timeout=30)

    def holder_then_wait(locked_group, role):
        found = real_holder(locked_group, role)
        arrived.wait()  # everyone has looked and seen no chair before anyone inserts: the race
        return found

    monkeypatch.setattr(services, "_holder", holder_then_wait)
    results = _appoint_chairs(group)
    assert not any(isinstance(r, Exception) and not isinstance(r, Conflict) for r in results), results
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == THREADS - 1
    with translation.override("en"):
        assert all("already has a chair" in str(r.message) for r in refused)
    assert GroupMember.objects.filter(group=group, role=GroupRole.CHAIR, left_on__isnull=True).count() == 1
