from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "solocrm.sales"
    label = "sales"
    verbose_name = "Sales"
