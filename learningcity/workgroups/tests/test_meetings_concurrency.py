"""Decisions recorded at the same moment get distinct numbers, on PostgreSQL with real parallel connections.

Each thread is one secretary's request with its own database connection, released together at a
barrier. The control test removes the numbering lock (and only that) and shows the clash then really
happens, so the main test proves the lock works rather than that the threads never overlapped.
"""

import datetime as dt
import threading
import time

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from learningcity.core.errors import Conflict
from learningcity.factories import MeetingFactory
from learningcity.workgroups.models import Decision, Meeting
from learningcity.workgroups.services import meetings as services

from .test_meetings_services import build_board

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="real row locks and parallel connections need PostgreSQL (set DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]


def in_parallel(count: int, work) -> list:
    """Run `work(i)` in `count` threads released at once; each thread uses and then closes its own connection."""
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
def two_meetings(city):
    """Two meetings of one group under way in the same Jalali year, each with its secretary at the keyboard."""
    board = build_board(city)
    first = MeetingFactory(group=board.group, starts_at=timezone.now() - dt.timedelta(minutes=30))
    second = MeetingFactory(group=board.group, starts_at=first.starts_at, ends_at=first.ends_at)
    return board, [first, second]


def _record(board, meetings):
    def work(i: int):
        meeting = Meeting.objects.select_related("group__city").get(pk=meetings[i % len(meetings)].pk)
        return services.decision_record(meeting=meeting, actor=board.secretary, text=f"مصوبهٔ شمارهٔ {i}")
    return work


def _widen_the_window(monkeypatch, pause: float = 0.1) -> None:
    """Make numbering slow: the highest number is read, then time passes before the decision is written."""
    next_number = services._next_decision_number

    def slow(group, year):
        number = next_number(group, year)
        time.sleep(pause)
        return number

    monkeypatch.setattr(services, "_next_decision_number", slow)


def test_decisions_recorded_at_once_get_distinct_consecutive_numbers(two_meetings, monkeypatch):
    board, meetings = two_meetings
    _widen_the_window(monkeypatch)
    results = in_parallel(8, _record(board, meetings))
    assert all(isinstance(result, Decision) for result in results), results
    numbers = sorted(result.number for result in results)
    assert numbers == list(range(1, 9))
    assert sorted(Decision.objects.filter(group=board.group).values_list("number", flat=True)) == numbers


def test_control_without_the_lock_two_decisions_clash_and_one_is_refused_cleanly(two_meetings, monkeypatch):
    board, meetings = two_meetings
    _widen_the_window(monkeypatch)
    monkeypatch.setattr(services, "_lock_numbering", lambda group: None)
    results = in_parallel(2, _record(board, meetings))
    refused = [result for result in results if isinstance(result, Conflict)]
    assert len(refused) == 1, results  # both read the same highest number; the unique constraint caught it
    assert Decision.objects.filter(group=board.group).count() == 1
