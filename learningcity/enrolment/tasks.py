"""Periodic enrolment work for Celery beat (see CELERY_BEAT_SCHEDULE in config/settings/base.py)."""

from celery import shared_task

from . import notifications, services


@shared_task
def send_enrolment_notices(kind: str, notices: list, reason: str = "") -> int:
    """Write each learner's message about their place (in their language) and queue its delivery."""
    return notifications.send(kind, [tuple(notice) for notice in notices], reason)


@shared_task
def expire_offers() -> int:
    """Seat offers past their deadline expire and the seats go to the next people waiting."""
    return services.offers_expire()


@shared_task
def send_session_reminders() -> int:
    """A reminder, once per learner, the day before their offering's first session (daytime only)."""
    return services.session_reminders_send()
