"""Local development and the `make run` demo: debug on, console messages, eager tasks."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# Static files come from the apps' folders (finders); no collected folder in this environment.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
