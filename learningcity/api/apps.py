from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "learningcity.api"
    label = "api"
    verbose_name = "API"
