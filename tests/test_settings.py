"""The platform's settings: embedded SQLite defaults, PostgreSQL ctype, production hardening."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_extra={
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "learning.kermanshah.ir",
    })
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", env_extra={
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_ALLOWED_HOSTS": "learning.kermanshah.ir",
    })
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-specific; the PostgreSQL run checks the ctype instead")
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    # The in-memory test database cannot use WAL; the file database `make run` uses does.
    assert mode in ("wal", "memory")


def test_embedded_sqlite_file_uses_wal(tmp_path):
    db = tmp_path / "lc.sqlite3"
    result = _manage("shell", "-c",
                     "from django.db import connection\n"
                     "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])",
                     env_extra={"DJANGO_SETTINGS_MODULE": "config.settings.dev", "SQLITE_PATH": str(db),
                                "DATABASE_URL": ""})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("wal")


@pytest.mark.django_db
def test_postgres_database_has_a_utf8_ctype_so_persian_trigrams_work():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL-specific; runs in the PostgreSQL CI pass")
    with connection.cursor() as cursor:
        cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
        assert "utf" in cursor.fetchone()[0].lower().replace("-", "")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute("SELECT similarity('یادگیری', 'یادگیر')")
        assert cursor.fetchone()[0] > 0.5


def test_env_example_lists_every_setting_read_from_the_environment():
    names = set()
    for path in (ROOT / "config" / "settings").glob("*.py"):
        text = path.read_text()
        import re

        names |= set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', text))
    example = (ROOT / ".env.example").read_text()
    missing = sorted(name for name in names if name not in example)
    assert not missing, f".env.example does not mention {missing}"
