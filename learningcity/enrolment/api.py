"""API of enrolment: a citizen asks for a place, sees their places, cancels, answers a seat offer.

Mounted at the root of /api/v1 (see learningcity/api/api.py). Every endpoint needs a bearer token;
a person only ever sees and touches their own enrolments (anything else is a 404).
"""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from learningcity.api.auth import BearerToken
from learningcity.core.errors import NotFound
from learningcity.core.i18n import localized

from . import services
from .models import Enrolment
from .selectors import enrolments_of, offering_to_enrol, waitlist_position

router = Router(tags=["enrolment"])


class ErrorOut(Schema):
    code: str
    message: str


class EnrolmentOut(Schema):
    id: int
    status: str
    position: int | None = None


class MyEnrolmentOut(EnrolmentOut):
    offering: int
    programme: int
    programme_title: str
    provider: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    requested_at: dt.datetime
    confirmed_at: dt.datetime | None
    offer_expires_at: dt.datetime | None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _out(enrolment: Enrolment) -> dict:
    position = getattr(enrolment, "position", None)
    if position is None:
        position = waitlist_position(enrolment)
    return {"id": enrolment.pk, "status": enrolment.status, "position": position}


def _mine(request, enrolment_id: int) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_related("offering", "offering__programme", "offering__programme__institution",
                                         "offering__city", "citizen")
        .filter(pk=enrolment_id, citizen=request.auth)
        .first()
    )
    if enrolment is None:
        raise NotFound(_("You have no such enrolment."))
    return enrolment


@router.post(
    "/offerings/{offering_id}/enrolments", auth=BearerToken(),
    response={200: EnrolmentOut, 201: EnrolmentOut, **ERRORS}, summary="Enrol in an offering",
)
def enrol(request, offering_id: int):
    """Ask for a place for the authenticated person: `confirmed` if a seat is free, else `waitlisted`
    with the `position` in the queue (1 = next).

    201 when the place was created; 200 with the same body when the person already held an active
    place in this offering (a repeated request never makes a second one). Refusals are 409 with a
    `code`: `offering_cancelled`, `offering_finished`, `window_closed`, `cap_reached`; 404 for an
    offering that does not exist or is not published.
    """
    offering = offering_to_enrol(pk=offering_id, city=request.city)
    if offering is None:
        raise NotFound(_("There is no such offering open for enrolment."))
    enrolment, created = services.enrolment_request(offering=offering, citizen=request.auth, acting_user=request.auth)
    return Status(201 if created else 200, _out(enrolment))


@router.delete("/enrolments/{enrolment_id}", auth=BearerToken(), response={200: EnrolmentOut, **ERRORS},
               summary="Cancel my enrolment")
def cancel(request, enrolment_id: int):
    """Give up one's own place (a seat, a place on the waitlist or a seat on offer); the seat goes to
    the next person waiting. Cancelling twice answers 200 again; someone else's enrolment is a 404."""
    enrolment = services.enrolment_cancel(enrolment=_mine(request, enrolment_id), acting_user=request.auth)
    return Status(200, _out(enrolment))


@router.post("/enrolments/{enrolment_id}/accept", auth=BearerToken(), response={200: EnrolmentOut, **ERRORS},
             summary="Accept a seat offered to me")
def accept(request, enrolment_id: int):
    """Take a seat on offer before its deadline (`status` becomes `confirmed`); 409 `offer_expired` after it,
    409 `no_offer` when no seat is on offer."""
    enrolment = services.offer_accept(enrolment=_mine(request, enrolment_id), acting_user=request.auth)
    return Status(200, _out(enrolment))


@router.post("/enrolments/{enrolment_id}/decline", auth=BearerToken(), response={200: EnrolmentOut, **ERRORS},
             summary="Decline a seat offered to me")
def decline(request, enrolment_id: int):
    """Turn down a seat on offer (`status` becomes `declined`); it goes to the next person waiting."""
    enrolment = services.offer_decline(enrolment=_mine(request, enrolment_id), acting_user=request.auth)
    return Status(200, _out(enrolment))


@router.get("/me/enrolments", auth=BearerToken(), response={200: list[MyEnrolmentOut], 401: ErrorOut},
            summary="My enrolments")
def my_enrolments(request):
    """Every place the authenticated person holds or held, newest first, with waitlist positions."""
    return Status(200, [
        {
            **_out(enrolment),
            "offering": enrolment.offering_id,
            "programme": enrolment.offering.programme_id,
            "programme_title": enrolment.offering.programme.title,
            "provider": localized(enrolment.offering.programme.institution, "name"),
            "starts_on": enrolment.offering.starts_on,
            "ends_on": enrolment.offering.ends_on,
            "requested_at": enrolment.requested_at,
            "confirmed_at": enrolment.confirmed_at,
            "offer_expires_at": enrolment.offer_expires_at,
        }
        for enrolment in enrolments_of(request.auth)
    ])
