"""Text messages to mobile phones through a pluggable backend (console by default)."""

import logging
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("learningcity.sms")


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class BaseSmsBackend:
    """Send each message or raise; a real gateway adapter subclasses this."""

    def send(self, messages: list[SmsMessage]) -> int:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Prints messages to the server log: the embedded default, for demos and development."""

    def send(self, messages: list[SmsMessage]) -> int:
        for message in messages:
            logger.warning("SMS to %s: %s", message.to, message.body)
            print(f"[SMS to {message.to}] {message.body}", flush=True)  # noqa: T201
        return len(messages)


class MemorySmsBackend(BaseSmsBackend):
    """Keeps messages in `outbox`, like Django's locmem email backend; for tests."""

    outbox: list[SmsMessage] = []
    _lock = threading.Lock()

    def send(self, messages: list[SmsMessage]) -> int:
        with self._lock:
            type(self).outbox.extend(messages)
        return len(messages)


def send_sms(to: str, body: str) -> int:
    backend = import_string(settings.SMS_BACKEND)()
    return backend.send([SmsMessage(to=to, body=body)])
