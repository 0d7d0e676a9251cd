"""The one API object at /api/v1; each app contributes its router (api.py)."""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from learningcity.core.errors import DomainError

from .auth import BearerToken

api = NinjaAPI(
    title="Learning City API",
    version="1",
    description="Open API of the Learning City platform. Write endpoints take a bearer token from /auth/token.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request, status: int, code: str, message: str, **extra):
    return api.create_response(request, {"code": code, "message": str(message), **extra}, status=status)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    extra = {"field": exc.field} if exc.field else {}
    return _error(request, exc.status, exc.code, exc.message, **extra)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    fields = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", []) if part not in ("body", "payload", "query")]
        fields.append({"field": ".".join(location), "message": error.get("msg", "")})
    return _error(request, 422, "invalid", _("Some fields are missing or not valid."), errors=fields)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return _error(request, 401, "unauthorised", _("Log in first: send a valid bearer token."))


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return _error(request, exc.status_code, "error", str(exc))


def _register_routers() -> None:
    from learningcity.accounts.api import router as accounts_router
    from learningcity.catalogue import api_console  # noqa: F401  (adds staff writes to the catalogue router)
    from learningcity.catalogue.api import router as catalogue_router
    from learningcity.cities.api import router as cities_router
    from learningcity.enrolment.api import router as enrolment_router
    from learningcity.institutions.api import router as institutions_router
    from learningcity.records.api import router as records_router
    from learningcity.workgroups.api import router as workgroups_router

    api.add_router("/auth", accounts_router)
    api.add_router("/cities", cities_router)
    api.add_router("/institutions", institutions_router)
    # Mounted at the root: /domains, /programmes, /offerings/{id} (catalogue, reads and staff writes),
    # /offerings/{id}/enrolments, /enrolments/{id}, /me/enrolments (enrolment), /me/records, /certificates.
    api.add_router("", catalogue_router)
    api.add_router("", enrolment_router)
    api.add_router("", records_router)
    api.add_router("", workgroups_router)


_register_routers()
__all__ = ["api", "BearerToken"]
