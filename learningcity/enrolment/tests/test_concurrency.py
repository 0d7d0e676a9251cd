"""Seats are never oversold under real parallel requests (architecture 4.2), on PostgreSQL.

Each thread is one person with its own database connection, released together at a barrier. The
control test removes the offering lock (and only that) and shows the race then really happens, so the
other tests prove the lock works rather than that the threads never overlapped.
"""

import threading
import time

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from conftest import PASSWORD
from learningcity.accounts.services import token_issue
from learningcity.catalogue.models import Offering, WaitlistPolicy
from learningcity.enrolment import services
from learningcity.enrolment.models import Enrolment, EnrolmentStatus
from learningcity.enrolment.selectors import waitlist_positions
from learningcity.factories import CitizenFactory, OfferingFactory

S = EnrolmentStatus

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


def bearer(user) -> str:
    _token, key = token_issue(mobile=user.mobile, password=PASSWORD)
    return f"Bearer {key}"


def assert_never_oversold(offering: Offering) -> dict[str, int]:
    offering.refresh_from_db()
    rows = Enrolment.objects.filter(offering=offering)
    confirmed = rows.filter(status=S.CONFIRMED).count()
    offered = rows.filter(status=S.OFFERED).count()
    waiting = list(rows.filter(status=S.WAITLISTED))
    assert confirmed + offered <= offering.capacity
    assert (offering.confirmed_count, offering.offered_count, offering.waitlist_count) == (
        confirmed, offered, len(waiting)
    ), "the counters equal the rows"
    assert sorted(waitlist_positions(waiting).values()) == list(range(1, len(waiting) + 1))
    return {"confirmed": confirmed, "offered": offered, "waiting": len(waiting)}


@pytest.fixture
def rush(institution):
    """Ten seats and thirty citizens with API tokens."""
    offering = OfferingFactory(programme__institution=institution, capacity=10)
    people = [CitizenFactory(city=institution.city) for _ in range(30)]
    return offering, [(person, bearer(person)) for person in people]


def test_thirty_parallel_requests_for_ten_seats_confirm_exactly_ten_and_queue_twenty(rush):
    offering, people = rush

    def request(i):
        _person, token = people[i]
        return Client().post(f"/api/v1/offerings/{offering.pk}/enrolments", HTTP_AUTHORIZATION=token)

    responses = in_parallel(len(people), request)
    assert [getattr(r, "status_code", r) for r in responses] == [201] * 30
    bodies = [r.json() for r in responses]
    assert sum(b["status"] == "confirmed" for b in bodies) == 10
    waiting = [b for b in bodies if b["status"] == "waitlisted"]
    assert sorted(b["position"] for b in waiting) == list(range(1, 21))  # each was told a distinct place
    assert assert_never_oversold(offering) == {"confirmed": 10, "offered": 0, "waiting": 20}


def test_one_person_firing_five_parallel_requests_gets_one_place(rush):
    offering, people = rush
    _person, token = people[0]

    def request(i):
        return Client().post(f"/api/v1/offerings/{offering.pk}/enrolments", HTTP_AUTHORIZATION=token)

    responses = in_parallel(5, request)
    assert sorted(getattr(r, "status_code", r) for r in responses) == [200, 200, 200, 200, 201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert Enrolment.objects.filter(offering=offering).count() == 1
    assert_never_oversold(offering)


def _widen_the_window(monkeypatch, pause: float = 0.05) -> None:
    """Make every seat decision slow: the count is read, then time passes before the enrolment is written."""
    for name in ("_counts", "_seat_counts"):  # the row count (other services) and the counters (a request)
        monkeypatch.setattr(services, name, _slowed(getattr(services, name), pause))


def _slowed(read, pause: float):
    def slow(offering):
        result = read(offering)
        time.sleep(pause)
        return result

    return slow


def _parallel_enrolments(offering, people) -> None:
    results = in_parallel(len(people), lambda i: services.enrolment_request(
        offering=offering, citizen=people[i], acting_user=people[i]))
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors


def test_with_the_lock_a_widened_race_window_still_never_oversells(monkeypatch, institution):
    """The same slowed-down rush as the control below, with the lock in place: exactly capacity."""
    _widen_the_window(monkeypatch)
    offering = OfferingFactory(programme__institution=institution, capacity=3)
    people = [CitizenFactory(city=institution.city) for _ in range(10)]
    _parallel_enrolments(offering, people)
    assert assert_never_oversold(offering) == {"confirmed": 3, "offered": 0, "waiting": 7}


def test_CONTROL_without_the_offering_lock_the_race_oversells(monkeypatch, institution):
    """CONTROL: remove only the row lock and the race appears (more people confirmed than seats).

    If this test ever fails, the concurrency tests above no longer exercise a real race (the threads
    did not overlap), and their passing proves nothing.
    """
    _widen_the_window(monkeypatch)
    monkeypatch.setattr(services, "_lock_offering", lambda offering_id, fields=None: (
        Offering.objects.select_related("programme", "programme__institution", "city").get(pk=offering_id)
    ))
    oversold = []
    for _attempt in range(3):
        offering = OfferingFactory(programme__institution=institution, capacity=3)
        people = [CitizenFactory(city=institution.city) for _ in range(10)]
        _parallel_enrolments(offering, people)
        confirmed = Enrolment.objects.filter(offering=offering, status=S.CONFIRMED).count()
        oversold.append(confirmed)
        if confirmed > offering.capacity:
            break
    assert max(oversold) > 3, f"no oversell in {len(oversold)} attempts: {oversold}"


@pytest.mark.parametrize("policy", [WaitlistPolicy.AUTO_CONFIRM, WaitlistPolicy.OFFER])
def test_cancellations_racing_new_enrolments_never_oversell(institution, policy):
    offering = OfferingFactory(programme__institution=institution, capacity=5, waitlist_policy=policy)
    holders = [CitizenFactory(city=institution.city) for _ in range(5)]
    queued = [CitizenFactory(city=institution.city) for _ in range(5)]
    newcomers = [CitizenFactory(city=institution.city) for _ in range(10)]
    seats = [services.enrolment_request(offering=offering, citizen=p, acting_user=p)[0] for p in holders]
    for person in queued:
        services.enrolment_request(offering=offering, citizen=person, acting_user=person)

    def act(i):
        if i < len(seats):
            return services.enrolment_cancel(enrolment=seats[i], acting_user=holders[i])
        person = newcomers[i - len(seats)]
        return services.enrolment_request(offering=offering, citizen=person, acting_user=person)

    results = in_parallel(len(seats) + len(newcomers), act)
    assert not [r for r in results if isinstance(r, Exception)]
    counts = assert_never_oversold(offering)
    # Every freed seat went to someone waiting: the offering is full again, and the queue kept its order.
    assert counts["confirmed"] + counts["offered"] == 5
    assert counts["waiting"] == 10
    promoted = set(Enrolment.objects.filter(offering=offering, status__in=[S.CONFIRMED, S.OFFERED])
                   .values_list("citizen_id", flat=True))
    assert promoted == {p.pk for p in queued}
