from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "solocrm.sales"
    label = "sales"
    verbose_name = "Sales"

    def ready(self) -> None:
        from solocrm.customers.relations import register_customer_relation
        from solocrm.sales import navigation, panels
        from solocrm.sales.importing import cli
        from solocrm.sales.models import Deal, Order

        register_customer_relation(Order, "customer")
        register_customer_relation(Deal, "customer")
        cli.register()
        navigation.register_items()
        panels.register()
