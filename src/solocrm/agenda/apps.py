from django.apps import AppConfig


class AgendaConfig(AppConfig):
    name = "solocrm.agenda"
    label = "agenda"
    verbose_name = "Agenda"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from solocrm.agenda import panels
        from solocrm.agenda.models import Cadence, Task
        from solocrm.customers.relations import register_customer_relation
        from solocrm.web.navigation import NavItem, register

        register_customer_relation(Task, "customer")
        register_customer_relation(Cadence, "customer")
        register(NavItem(_("Tasks"), "agenda:task_list"), position=1)
        register(NavItem(_("Keep in touch"), "agenda:cadence_list"))
        panels.register()
