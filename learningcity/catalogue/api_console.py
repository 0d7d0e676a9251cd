"""Staff writes to the catalogue API, on the catalogue router: POST /programmes, PATCH /programmes/{id},
POST /programmes/{id}/submit and POST /offerings.

Every endpoint needs a bearer token. What the person cannot see is a 404 (a draft of another partner);
what they can see but may not change is a 403 `{"code": "forbidden"}` (a published programme of another
partner); a broken rule is a 400/409 with the field it is about.
"""

import datetime as dt
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from ninja import Schema, Status
from pydantic import Field

from learningcity.api.auth import BearerToken
from learningcity.core.errors import DomainError, NotAllowed, NotFound
from learningcity.institutions.models import Institution
from learningcity.institutions.selectors import PUBLIC_STATES

from . import permissions, services
from .api import OfferingOut, ProgrammeDetailOut, router
from .models import Audience, AudienceKind, LearningDomain, Offering, Programme, Session, Venue

TEXT = 10_000  # generous: the services hold the real limit of each field and say which one was passed
LIST = 50


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


# --- input --------------------------------------------------------------------------------------------------


class ProgrammeFieldsIn(Schema):
    title_en: str = Field("", max_length=TEXT)
    description_fa: str = Field("", max_length=TEXT)
    description_en: str = Field("", max_length=TEXT)
    outcomes_fa: str = Field("", max_length=TEXT)
    outcomes_en: str = Field("", max_length=TEXT)
    domains: list[str] = Field(default_factory=list, max_length=LIST, description="Slugs of learning domains")
    life_stages: list[str] = Field(default_factory=list, max_length=LIST, description="Audience codes")
    target_groups: list[str] = Field(default_factory=list, max_length=LIST, description="Audience codes")
    level: str = Field("all", max_length=32)
    language: str = Field("fa", max_length=16)
    format: str = Field("in_person", max_length=32)
    fee_rials: int = Field(0, description="0 means free")
    prerequisites_fa: str = Field("", max_length=TEXT)
    prerequisites_en: str = Field("", max_length=TEXT)
    accessibility_fa: str = Field("", max_length=TEXT)
    accessibility_en: str = Field("", max_length=TEXT)
    key_features: list[str] = Field(default_factory=list, max_length=LIST, description="e.g. 1.1, 2.2")
    sdg_targets: list[str] = Field(default_factory=list, max_length=LIST, description="e.g. 4.6")


class ProgrammeIn(ProgrammeFieldsIn):
    institution: str = Field(max_length=100, description="Slug of the partner institution")
    title_fa: str = Field(max_length=TEXT)
    hours: Decimal = Field(description="Hours of learning, more than 0 and at most 2000")


class ProgrammePatch(Schema):
    """Only the fields sent are changed."""

    title_fa: str | None = Field(None, max_length=TEXT)
    title_en: str | None = Field(None, max_length=TEXT)
    description_fa: str | None = Field(None, max_length=TEXT)
    description_en: str | None = Field(None, max_length=TEXT)
    outcomes_fa: str | None = Field(None, max_length=TEXT)
    outcomes_en: str | None = Field(None, max_length=TEXT)
    domains: list[str] | None = Field(None, max_length=LIST)
    life_stages: list[str] | None = Field(None, max_length=LIST)
    target_groups: list[str] | None = Field(None, max_length=LIST)
    level: str | None = Field(None, max_length=32)
    language: str | None = Field(None, max_length=16)
    format: str | None = Field(None, max_length=32)
    fee_rials: int | None = None
    hours: Decimal | None = None
    prerequisites_fa: str | None = Field(None, max_length=TEXT)
    prerequisites_en: str | None = Field(None, max_length=TEXT)
    accessibility_fa: str | None = Field(None, max_length=TEXT)
    accessibility_en: str | None = Field(None, max_length=TEXT)
    key_features: list[str] | None = Field(None, max_length=LIST)
    sdg_targets: list[str] | None = Field(None, max_length=LIST)


class SessionIn(Schema):
    starts_at: dt.datetime = Field(description="With a time zone; without one, the city's local time")
    ends_at: dt.datetime


class OfferingIn(Schema):
    programme: int
    capacity: int
    enrolment_opens_at: dt.datetime
    enrolment_closes_at: dt.datetime
    sessions: list[SessionIn] = Field(max_length=services.MAX_SESSIONS)
    venue: int | None = Field(None, description="Id of one of the partner's venues (in person and hybrid)")
    online_url: str = Field("", max_length=TEXT, description="Needed for online programmes")
    waitlist_policy: str = Field("auto_confirm", max_length=32)
    offer_hours: int = 24
    completion_rule: str = Field("attendance", max_length=32)
    attendance_percent: int = 75


# --- output: the public schemas of catalogue/api.py, plus what only staff see ----------------------------------


class ProgrammeStaffOut(ProgrammeDetailOut):
    """The programme as the public API shows it (with its public `url`), plus its review state."""

    review_note: str
    submitted_at: dt.datetime | None = None


class OfferingStaffOut(OfferingOut):
    """The offering as the public API shows it, plus its link and rules."""

    online_url: str
    offer_hours: int
    completion_rule: str
    attendance_percent: int


def _programme_out(programme: Programme) -> Programme:
    """The programme read afresh with what the schema reads, so the answer shows what was saved."""
    return (
        Programme.objects.select_related("institution")
        .prefetch_related("domains", "life_stages", "target_groups").get(pk=programme.pk)
    )


def _offering_out(offering: Offering) -> Offering:
    return (
        Offering.objects.select_related("programme", "venue__district")
        .prefetch_related(Prefetch("sessions", queryset=Session.objects.select_related("venue__district")))
        .get(pk=offering.pk)
    )


# --- access -------------------------------------------------------------------------------------------------


def _institution_for_write(request, slug: str) -> Institution:
    """The partner, if the person may see it (public, or theirs) and write its programmes; else 404 or 403."""
    city = request.city
    institution = Institution.objects.select_related("city").filter(city=city, slug=slug).first() if city else None
    managed = institution is not None and permissions.can_manage_programmes(request.auth, institution)
    visible = institution is not None and (
        managed or (institution.is_active and institution.accreditation in PUBLIC_STATES)
    )
    if not visible:
        raise NotFound(_("There is no such partner."), field="institution")
    if not managed:
        raise NotAllowed(_("Only the staff of this partner or the city secretariat can add its programmes."))
    return institution


def _programme_for_write(request, pk: int) -> Programme:
    """The programme, if the person may see it and change it; else 404 (cannot see) or 403 (may not change)."""
    programme = (
        permissions.programmes_visible_to_api(request.auth, request.city)
        .select_related("institution__city", "city").filter(pk=pk).first()
    )
    if programme is None:
        raise NotFound(_("There is no such programme."))
    if not permissions.can_edit_programme(request.auth, programme):
        raise NotAllowed(_("Only the staff of this partner or the city secretariat can change this programme."))
    return programme


def _relations(city, fields: dict) -> dict:
    """Domain slugs and audience codes from the request -> the objects the services take."""
    if fields.get("domains") is not None:
        slugs = set(fields["domains"])
        found = list(LearningDomain.objects.filter(city=city, slug__in=slugs))
        missing = slugs - {d.slug for d in found}
        if missing:
            raise DomainError(_("Unknown learning domain: %(slug)s") % {"slug": sorted(missing)[0]},
                              field="domains")
        fields["domains"] = found
    for name, kind in (("life_stages", AudienceKind.LIFE_STAGE), ("target_groups", AudienceKind.TARGET_GROUP)):
        if fields.get(name) is not None:
            codes = set(fields[name])
            found = list(Audience.objects.filter(kind=kind, code__in=codes))
            missing = codes - {a.code for a in found}
            if missing:
                raise DomainError(_("Unknown audience: %(code)s") % {"code": sorted(missing)[0]}, field=name)
            fields[name] = found
    return fields


# --- endpoints ----------------------------------------------------------------------------------------------


@router.post("/programmes", auth=BearerToken(), response={201: ProgrammeStaffOut, 422: ErrorOut, **ERRORS},
             tags=["catalogue: staff"])
def programme_create(request, payload: ProgrammeIn):
    """Draft a programme for a partner institution (its staff, or the city secretariat)."""
    institution = _institution_for_write(request, payload.institution)
    fields = _relations(institution.city, payload.model_dump(exclude={"institution"}))
    programme = services.programme_create(institution=institution, actor=request.auth, **fields)
    return Status(201, _programme_out(programme))


@router.patch("/programmes/{programme_id}", auth=BearerToken(),
              response={200: ProgrammeStaffOut, 422: ErrorOut, **ERRORS}, tags=["catalogue: staff"])
def programme_update(request, programme_id: int, payload: ProgrammePatch):
    """Change some fields of a programme; changes to a published programme are kept in the audit log."""
    programme = _programme_for_write(request, programme_id)
    fields = _relations(programme.city, payload.model_dump(exclude_unset=True))
    programme = services.programme_update(programme=programme, actor=request.auth, **fields)
    return _programme_out(programme)


@router.post("/programmes/{programme_id}/submit", auth=BearerToken(),
             response={200: ProgrammeStaffOut, **ERRORS}, tags=["catalogue: staff"])
def programme_submit(request, programme_id: int):
    """Send a draft (or a returned programme) to the city secretariat for approval."""
    programme = _programme_for_write(request, programme_id)
    programme = services.programme_submit(programme=programme, actor=request.auth)
    return _programme_out(programme)


@router.post("/offerings", auth=BearerToken(), response={201: OfferingStaffOut, 422: ErrorOut, **ERRORS},
             tags=["catalogue: staff"])
def offering_create(request, payload: OfferingIn):
    """Schedule a dated run of a programme, with its sessions."""
    programme = _programme_for_write(request, payload.programme)
    venue = None
    if payload.venue is not None:
        venue = Venue.objects.filter(pk=payload.venue, city=programme.city).first()
        if venue is None:
            raise DomainError(_("Choose one of this partner's venues."), field="venue")
    offering = services.offering_create(
        programme=programme, actor=request.auth, venue=venue,
        sessions=[(s.starts_at, s.ends_at) for s in payload.sessions],
        **payload.model_dump(exclude={"programme", "venue", "sessions"}),
    )
    return Status(201, _offering_out(offering))
