"""Periodic work for working groups: the weekly digest (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task


@shared_task
def send_weekly_digests() -> int:
    """One email (or a short text message) per member: what changed in their groups this week."""
    from .services.tasks import digests_send

    return digests_send()
