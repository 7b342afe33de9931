from django.apps import AppConfig


class AgendaConfig(AppConfig):
    name = "solocrm.agenda"
    label = "agenda"
    verbose_name = "Agenda"
