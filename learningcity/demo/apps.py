from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo city and synthetic scale data; reads every app, imported by none."""

    name = "learningcity.demo"
    label = "demo"
    verbose_name = _("Demo data")
