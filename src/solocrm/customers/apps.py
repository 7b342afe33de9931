from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "solocrm.customers"
    label = "customers"
    verbose_name = "Customers"
