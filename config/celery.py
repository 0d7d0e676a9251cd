"""The Celery app: tasks are discovered in each app's tasks.py; beat runs the periodic ones."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("learningcity")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
