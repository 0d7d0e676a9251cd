"""Periodic work for working groups — to be written (the weekly digest)."""

from celery import shared_task


@shared_task
def send_weekly_digests() -> int:
    return 0
