"""Staff writes to the catalogue API (POST/PATCH /programmes, POST /offerings), on the catalogue router."""

from .api import router  # noqa: F401
