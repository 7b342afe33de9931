from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "solocrm.web"
    label = "web"
    verbose_name = "Web interface"
