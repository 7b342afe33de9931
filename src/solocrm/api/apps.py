from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "solocrm.api"
    label = "api"
    verbose_name = "API"
