from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "solocrm.customers"
    label = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, pre_migrate

        from solocrm.customers import contact_triggers, navigation, search_index
        from solocrm.customers.models import Interaction
        from solocrm.customers.relations import register_customer_relation

        register_customer_relation(Interaction, "customer")
        navigation.register_items()
        post_migrate.connect(search_index.ensure_after_migrate, sender=self)
        pre_migrate.connect(contact_triggers.drop_before_migrate, sender=self)
        post_migrate.connect(contact_triggers.ensure_after_migrate, sender=self)
