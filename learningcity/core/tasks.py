"""Background delivery of text messages and emails (eager in the embedded default, Celery in production)."""

from celery import shared_task
from django.core.mail import send_mail

from .sms import send_sms


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def deliver_sms(to: str, body: str) -> int:
    """Send one text message; a gateway that is briefly down is retried with growing pauses."""
    return send_sms(to, body)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def deliver_email(subject: str, body: str, to: list[str]) -> int:
    return send_mail(subject, body, None, to)
