"""Settings shared by every environment; everything that differs comes from the environment."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env is a convenience for developers; production passes real environment variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "learningcity.core",
    "learningcity.cities",
    "learningcity.accounts",
    "learningcity.institutions",
    "learningcity.catalogue",
    "learningcity.enrolment",
    "learningcity.records",
    "learningcity.workgroups",
    "learningcity.demo",
    "learningcity.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "learningcity.cities.middleware.CityMiddleware",
]

ROOT_URLCONF = env("DJANGO_ROOT_URLCONF", default="") or "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "learningcity.core.context_processors.site",
                "learningcity.accounts.context_processors.roles",
                "learningcity.catalogue.context_processors.console",
                "learningcity.workgroups.context_processors.seats",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default (WAL so readers never block the writer; IMMEDIATE so a writing
# transaction takes the write lock at BEGIN, which is what keeps seat counts honest on SQLite).
# PostgreSQL comes through DATABASE_URL.
SQLITE_PATH = env("SQLITE_PATH", default=str(BASE_DIR / "var" / "learningcity.sqlite3"))
_sqlite_options = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA busy_timeout=20000;"
    ),
}
if env("DATABASE_URL", default=""):
    _db = env.db("DATABASE_URL")
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # template0 so the test database can take a UTF-8 ctype (trigram search needs it).
        _db.setdefault("TEST", {}).update({"TEMPLATE": "template0", "CHARSET": "UTF8"})
        _db["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
        # JIT compilation costs 30-40 ms on each short search count; SSD-era page costs let the planner
        # use the trigram index. Server-wide settings override nothing here; see docs/operators.md.
        _db.setdefault("OPTIONS", {}).setdefault(
            "options", env("PG_OPTIONS", default="-c jit=off -c random_page_cost=1.1")
        )
        _db["CONN_HEALTH_CHECKS"] = True
    elif _db["ENGINE"] == "django.db.backends.sqlite3":
        _db["OPTIONS"] = {**_sqlite_options, **_db.get("OPTIONS", {})}
else:
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": SQLITE_PATH, "OPTIONS": _sqlite_options}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, rate limits, background work -----------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # The database cache is shared by every process of a deployment, so rate limits hold
    # across workers even without Redis.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "learningcity_cache",
        }
    }
RATELIMIT_USE_CACHE = "default"
RATELIMIT_VIEW = "learningcity.core.views.rate_limited"
# Behind a reverse proxy every visitor would share the proxy's address: name the header that carries
# the client's address (e.g. HTTP_X_REAL_IP, set by your proxy) so limits apply per person.
RATELIMIT_IP_META_KEY = env("RATELIMIT_IP_META_KEY", default=None)
LOGIN_RATE = env("LOGIN_RATE", default="10/m")
SIGNUP_RATE = env("SIGNUP_RATE", default="5/h")
# How many active enrolments (confirmed, waiting or offered) one person may hold in a city at a time.
ENROLMENT_CAP = env.int("ENROLMENT_CAP", default=3)
PASSWORD_RESET_RATE = env("PASSWORD_RESET_RATE", default="5/h")

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
# Without a broker, tasks run in the calling process so `make run` needs no Redis.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Tehran"
CELERY_BEAT_SCHEDULE = {
    "enrolment-expire-offers": {
        "task": "learningcity.enrolment.tasks.expire_offers",
        "schedule": 300.0,  # every five minutes: an unanswered seat offer passes on promptly
    },
    "enrolment-session-reminders": {
        "task": "learningcity.enrolment.tasks.send_session_reminders",
        "schedule": crontab(minute=0),  # hourly; the service sends only between 09:00 and 21:00 Tehran time
    },
    "workgroups-weekly-digest": {
        "task": "learningcity.workgroups.tasks.send_weekly_digests",
        # Saturday, the first day of the Iranian working week, 08:00 (beat runs in TIME_ZONE, Tehran).
        "schedule": crontab(minute=0, hour=8, day_of_week=6),
    },
}

# --- Auth ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["learningcity.accounts.backends.MobileBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=30)

# --- Messages to people ----------------------------------------------------------------------
SMS_BACKEND = env("SMS_BACKEND", default="learningcity.core.sms.ConsoleSmsBackend")
SMS_SENDER = env("SMS_SENDER", default="LearningCity")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Learning City <no-reply@localhost>")
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))

# --- Language, calendar, time ----------------------------------------------------------------
LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", _("Persian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "learningcity" / "locale"]
TIME_ZONE = "Asia/Tehran"
USE_I18N = True
USE_TZ = True

# Public address of the site, for links in messages sent outside a request (reminders, certificates)
# when the city has no host name of its own.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Certificate verification lookups per IP (stops guessing codes).
VERIFY_RATE = env("VERIFY_RATE", default="60/m")
# Largest file a working group may attach (minutes, evidence, reports), in bytes.
WORKGROUP_DOCUMENT_MAX_BYTES = env.int("WORKGROUP_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Map tiles for maps (e.g. https://tiles.example.org/{z}/{x}/{y}.png); none by default, so maps show only
# the city's own district shapes and no request leaves the server.
MAP_TILE_URL = env("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="")

# --- Cities ----------------------------------------------------------------------------------
DEFAULT_CITY_SLUG = env("DEFAULT_CITY_SLUG", default="kermanshah")

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Security defaults that hold everywhere ----------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
