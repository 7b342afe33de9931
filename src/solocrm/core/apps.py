from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "solocrm.core"
    label = "core"
    verbose_name = "Core"
