"""API of the learning record: the person's own records, and public certificate verification."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from ninja import Router, Schema

from learningcity.api.auth import BearerToken
from learningcity.core.errors import DomainError, NotFound

from .selectors import VerificationState, certificate_verification, records_of, verify_url

router = Router(tags=["records"])


class ErrorOut(Schema):
    code: str
    message: str


class DomainOut(Schema):
    slug: str
    name_fa: str = ""
    name_en: str = ""


class RecordOut(Schema):
    id: int
    title_fa: str
    title_en: str
    provider_fa: str
    provider_en: str
    domains: list[DomainOut]
    hours: Decimal
    started_on: dt.date
    completed_on: dt.date
    outcome: str
    certificate_code: str | None
    verify_url: str | None


class CertificateOut(Schema):
    code: str
    valid: bool
    state: str
    learner: str | None = None
    title_fa: str | None = None
    title_en: str | None = None
    provider_fa: str | None = None
    provider_en: str | None = None
    hours: Decimal | None = None
    completed_on: dt.date | None = None
    outcome: str | None = None


def _language(request) -> str:
    return (getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE)[:2]


@router.get("/me/records", response={200: list[RecordOut], 401: ErrorOut}, auth=BearerToken())
def my_records(request):
    """The authenticated person's learning record: completions that stand, each with its certificate."""
    rows = []
    for record in records_of(request.auth):
        certificate = getattr(record, "certificate", None)
        if certificate is not None and certificate.revoked_at is not None:
            certificate = None  # a withdrawn certificate no longer proves anything
        rows.append(RecordOut(
            id=record.pk, title_fa=record.title_fa, title_en=record.title_en, provider_fa=record.provider_fa,
            provider_en=record.provider_en, domains=[DomainOut(**d) for d in record.domains or []],
            hours=record.hours, started_on=record.started_on, completed_on=record.completed_on,
            outcome=record.outcome, certificate_code=certificate.code if certificate else None,
            verify_url=verify_url(certificate.code, request=request, language=_language(request))
            if certificate else None,
        ))
    return rows


@router.get("/certificates/{code}", response={200: CertificateOut, 404: ErrorOut, 429: ErrorOut})
def verify_certificate(request, code: str):
    """Public verification: whether a certificate stands; a valid one says whom and what it certifies."""
    rate = settings.VERIFY_RATE
    if is_ratelimited(request, group="certificate-verify", key="ip", rate=rate, increment=True):
        error = DomainError(_("Too many attempts. Wait a few minutes and try again."), code="rate_limited")
        error.status = 429
        raise error
    verification = certificate_verification(code)
    if verification.state == VerificationState.UNKNOWN:
        raise NotFound(_("No certificate has this code."))
    out = CertificateOut(code=verification.code, valid=verification.valid, state=verification.state)
    if verification.valid:
        record = verification.record
        out = CertificateOut(
            code=verification.code, valid=True, state=verification.state, learner=record.citizen.name,
            title_fa=record.title_fa, title_en=record.title_en, provider_fa=record.provider_fa,
            provider_en=record.provider_en, hours=record.hours, completed_on=record.completed_on,
            outcome=record.outcome,
        )
    return out
