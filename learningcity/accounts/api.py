"""API: sign-up, bearer tokens, and who am I."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from ninja import Router, Schema, Status
from pydantic import Field

from learningcity.api.auth import BearerToken
from learningcity.core.errors import DomainError

from .services import token_issue, user_register
from .validators import normalise_mobile

router = Router(tags=["auth"])


class RegisterIn(Schema):
    name: str = Field(max_length=1000)
    mobile: str = Field(max_length=64)
    password: str = Field(max_length=1000)
    email: str = Field(default="", max_length=254)
    language: str = Field(default="fa", max_length=5)


class UserOut(Schema):
    id: int
    name: str
    mobile: str
    email: str
    preferred_language: str


class TokenIn(Schema):
    mobile: str = Field(max_length=64)
    password: str = Field(max_length=1000)


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"
    expires_at: dt.datetime


class ErrorOut(Schema):
    code: str
    message: str


def _limit(request, group: str, rate: str, key="ip") -> None:
    if is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True):
        error = DomainError(_("Too many attempts. Wait a few minutes and try again."), code="rate_limited")
        error.status = 429
        raise error


def _account_key(mobile: str) -> str:
    try:
        return normalise_mobile(mobile)
    except ValidationError:
        return "invalid"


@router.post("/register", response={201: UserOut, 400: ErrorOut, 409: ErrorOut, 429: ErrorOut})
def register(request, payload: RegisterIn):
    """Create a citizen account in the request's city."""
    _limit(request, "signup", settings.SIGNUP_RATE)
    if request.city is None:
        raise DomainError(_("This site has no city yet."), code="no_city")
    user = user_register(
        name=payload.name, mobile=payload.mobile, password=payload.password, email=payload.email,
        language=payload.language, city=request.city,
    )
    return Status(201, user)


@router.post("/token", response={200: TokenOut, 401: ErrorOut, 429: ErrorOut})
def token(request, payload: TokenIn):
    """Exchange a mobile number and password for a bearer token."""
    _limit(request, "login", settings.LOGIN_RATE)
    # The same per-account budget as the web log-in, so guessing one person's password is slow everywhere.
    _limit(request, "login-mobile", settings.LOGIN_RATE, key=lambda group, req: _account_key(payload.mobile))
    issued, key = token_issue(mobile=payload.mobile, password=payload.password, request=request)
    return Status(200, {"token": key, "expires_at": issued.expires_at})


@router.get("/me", response=UserOut, auth=BearerToken())
def me(request):
    return request.auth
