"""The demo's clock, and the messages the demo does not send.

The demo replays a year of the city's learning through the same services the web pages use: a
programme is published before its first run, people enrol while the window is open, attendance is
taken after each session and completions are recorded after the last. Every service reads the time
from `django.utils.timezone.now`, so while the demo runs that function answers with the moment the
step would have happened (`DemoClock.at`), and with the real time otherwise. Nothing else changes: the
services still lock, check windows, count seats and write their audit entries, now dated as they
would have been.

Demo people are fictional, and their mobile numbers (0912 000 00xx, 099...) may belong to real
people: while the demo loads, text messages and emails are counted, never queued.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.utils import timezone

from learningcity.core.tasks import deliver_email, deliver_sms
from learningcity.enrolment import notifications
from learningcity.enrolment.tasks import send_enrolment_notices


class DemoClock:
    """What `timezone.now()` answers while the demo runs: a chosen moment, or the real time."""

    def __init__(self) -> None:
        self.moment: dt.datetime | None = None
        self._real: Callable[[], dt.datetime] = timezone.now

    def now(self) -> dt.datetime:
        return self.moment if self.moment is not None else self._real()

    def real_now(self) -> dt.datetime:
        return self._real()

    @contextmanager
    def running(self) -> Iterator["DemoClock"]:
        """Route `timezone.now` through this clock (and put the real one back afterwards)."""
        self._real = timezone.now
        timezone.now = self.now
        try:
            yield self
        finally:
            timezone.now = self._real
            self.moment = None

    @contextmanager
    def at(self, moment: dt.datetime) -> Iterator[dt.datetime]:
        """Run the block as if it were `moment`."""
        previous, self.moment = self.moment, moment
        try:
            yield moment
        finally:
            self.moment = previous


@contextmanager
def messages_withheld() -> Iterator[Counter]:
    """Count, instead of queueing, the text messages and emails the services send while the block runs.

    Holds until the block ends, so it covers the callbacks that run when the demo's transaction commits.
    """
    withheld: Counter = Counter()
    tasks = {"sms": deliver_sms, "email": deliver_email}
    originals = {kind: task.delay for kind, task in tasks.items()}

    def hold(kind: str):
        def delay(*args, **kwargs) -> None:
            withheld[kind] += 1

        return delay

    for kind, task in tasks.items():
        task.delay = hold(kind)
    # Messages about places are written by a task too: write them in line (no task log line for each of
    # thousands), so the text messages they would send are counted above.
    send_enrolment_notices.delay = notifications.send
    try:
        yield withheld
    finally:
        try:
            del send_enrolment_notices.delay
        except AttributeError:
            pass
        for kind, task in tasks.items():
            # The task's own method lives on its class: remove the stand-in rather than pin a bound copy.
            try:
                del task.delay
            except AttributeError:
                task.delay = originals[kind]
