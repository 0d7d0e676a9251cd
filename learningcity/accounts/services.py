"""Writes about people: sign-up, profiles, roles and API tokens. One transaction each, audited."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learningcity.cities.models import City, District
from learningcity.core.audit import audit_created, audit_record, diff, snapshot
from learningcity.core.errors import Conflict, DomainError
from learningcity.core.permissions import ROLE_SCOPE, Role, Scope

from .models import ApiToken, CitizenProfile, RoleAssignment, User
from .validators import normalise_mobile, normalise_national_code

NAME_MAX = User._meta.get_field("name").max_length


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Enter your full name."), code="required", field="name")
    if len(name) > NAME_MAX:
        message = _("The name can have at most %(max)d characters.") % {"max": NAME_MAX}
        raise DomainError(message, code="too_long", field="name")
    return name


def _validated(fn, value, field: str):
    try:
        return fn(value)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code=exc.code or "invalid", field=field) from exc


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="weak_password", field="password") from exc


def user_register(
    *,
    name: str,
    mobile: str,
    password: str,
    city: City,
    email: str = "",
    national_code: str | None = None,
    district: District | None = None,
    birth_year: int | None = None,
    sex: str = "",
    language: str = "fa",
    roles: tuple[str, ...] = (Role.CITIZEN,),
    actor: User | None = None,
) -> User:
    """Create a person as a citizen of `city` (and any further city-scoped roles)."""
    name = _clean_name(name)
    mobile = _validated(normalise_mobile, mobile, "mobile")
    if national_code:
        national_code = _validated(normalise_national_code, national_code, "national_code")
    else:
        national_code = None
    email = (email or "").strip().lower()
    if email:
        from django.core.validators import validate_email

        _validated(validate_email, email, "email")
    if district is not None and district.city_id != city.pk:
        raise DomainError(_("Choose a district of this city."), field="district")
    user = User(mobile=mobile, name=name, email=email, national_code=national_code,
                preferred_language=language if language in dict(settings.LANGUAGES) else "fa")
    _check_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            if User.objects.filter(mobile=mobile).exists():
                raise Conflict(_("This mobile number is already registered. Log in or reset your password."),
                               code="mobile_taken", field="mobile")
            if national_code and User.objects.filter(national_code=national_code).exists():
                raise Conflict(_("This national code is already registered."), code="national_code_taken",
                               field="national_code")
            user.full_clean(exclude=["password"])
            user.save()
            CitizenProfile.objects.create(user=user, city=city, district=district, birth_year=birth_year,
                                          sex=sex)
            for role in roles:
                RoleAssignment.objects.create(user=user, role=role, city=city)
            audit_created(actor=actor or user, obj=user, action="user.register", city=city)
    except IntegrityError as exc:
        # Two sign-ups at once: the unique constraints decide; say which one refused.
        if national_code and User.objects.filter(national_code=national_code).exists() and \
                not User.objects.filter(mobile=mobile).exists():
            raise Conflict(_("This national code is already registered."), code="national_code_taken",
                           field="national_code") from exc
        raise Conflict(_("This mobile number is already registered. Log in or reset your password."),
                       code="mobile_taken", field="mobile") from exc
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc
    return user


def profile_update(*, user: User, actor: User, **changes) -> User:
    """Change a person's own details; national code and mobile are validated as at sign-up."""
    # Staff accounts made with createsuperuser or in the admin have no citizen profile.
    profile = CitizenProfile.objects.filter(user=user).select_related("district").first()
    if profile is None and any(field in changes for field in ("district", "birth_year", "sex")):
        raise DomainError(_("Only citizens of a city have a district, birth year and sex."))
    before = {**snapshot(user), **_profile_snapshot(profile)}
    with transaction.atomic():
        if "name" in changes:
            user.name = _clean_name(changes["name"])
        if "email" in changes:
            user.email = (changes["email"] or "").strip().lower()
        if "preferred_language" in changes:
            user.preferred_language = changes["preferred_language"]
        if "national_code" in changes:
            code = changes["national_code"]
            user.national_code = _validated(normalise_national_code, code, "national_code") if code else None
            others = User.objects.filter(national_code=user.national_code).exclude(pk=user.pk)
            if user.national_code and others.exists():
                raise Conflict(_("This national code is already registered."), field="national_code")
        for field in ("district", "birth_year", "sex"):
            if field in changes:
                setattr(profile, field, changes[field])
        if profile is not None and profile.district_id and profile.district.city_id != profile.city_id:
            raise DomainError(_("Choose a district of this city."), field="district")
        try:
            user.full_clean(exclude=["password"])
            if profile is not None:
                profile.full_clean(exclude=["user", "city"])
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise DomainError(messages[0], field=field) from exc
        user.save()
        if profile is not None:
            profile.save()
        after = {**snapshot(user), **_profile_snapshot(profile)}
        changed = diff(before, after)
        if changed:
            audit_record(actor=actor, action="user.update", obj=user, changes=changed,
                         city=profile.city if profile is not None else None)
    return user


def _profile_snapshot(profile: CitizenProfile | None) -> dict:
    return {f"profile.{k}": v for k, v in snapshot(profile).items()} if profile is not None else {}


def role_grant(
    *, user: User, role: str, actor: User | None, city: City | None = None, country: str = ""
) -> RoleAssignment:
    """Give a person a city-, country- or network-scoped role (idempotent)."""
    scope = ROLE_SCOPE.get(role)
    if scope is None or scope == Scope.INSTITUTION:
        raise DomainError(_("This role is given through an institution's staff list."), field="role")
    if scope == Scope.WORKING_GROUP:
        raise DomainError(_("This role is given through a working group's list of members."), field="role")
    if scope == Scope.CITY and city is None:
        raise DomainError(_("Choose the city for this role."), field="city")
    if scope == Scope.COUNTRY and not country:
        raise DomainError(_("Choose the country for this role."), field="country")
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(
            user=user, role=role,
            city=city if scope == Scope.CITY else None,
            country=country.upper() if scope == Scope.COUNTRY else "",
        )
        if created:
            audit_created(actor=actor, obj=assignment, action="role.grant", city=city)
    return assignment


def role_revoke(*, assignment: RoleAssignment, actor: User) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action="role.revoke", obj=assignment, city=assignment.city)
        assignment.delete()


def password_reset_complete(*, user: User, password: str) -> User:
    """Set the password chosen through a reset link; API tokens issued before are revoked."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        # Whoever knew the old password may hold a token; a reset is when to take it away.
        revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record(actor=user, action="user.password_reset", obj=user,
                     changes={"password": ["***", "***"], "api_tokens_revoked": [None, revoked]})
    return user


# --- API tokens --------------------------------------------------------------------------------

def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(*, mobile: str, password: str, request=None) -> tuple[ApiToken, str]:
    """A new bearer token for a person who proves their password; the same error for any failure."""
    wrong = DomainError(_("The mobile number or the password is wrong."), code="invalid_credentials")
    wrong.status = 401
    user = authenticate(request, mobile=mobile, password=password)
    if user is None or not user.is_active:
        raise wrong
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, key_hash=_hash(key), prefix=key[:8],
            expires_at=timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS),
        )
        audit_record(actor=user, action="api_token.issue", obj=token,
                     changes={"prefix": [None, token.prefix]})
    return token, key


def token_authenticate(*, key: str) -> User | None:
    """The active person behind a bearer token that is neither expired nor revoked."""
    if not key or len(key) > 128:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        # Coarse on purpose: one write per token per five minutes, not one per request.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
