"""System checks for what the platform relies on from its database."""

from django.core.checks import Error, Tags, register
from django.db import connections


@register(Tags.database)
def check_postgres_ctype(app_configs=None, databases=None, **kwargs):
    """PostgreSQL must use a UTF-8 ctype, or trigram search finds nothing in Persian."""
    errors = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
            (ctype,) = cursor.fetchone()
        if "utf" not in ctype.lower().replace("-", ""):
            errors.append(
                Error(
                    f"Database ctype is {ctype!r}; Persian search needs a UTF-8 ctype.",
                    hint="Create the database from template0 with LC_CTYPE='C.UTF-8'.",
                    id="learningcity.E001",
                )
            )
    return errors
