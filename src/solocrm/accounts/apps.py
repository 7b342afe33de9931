from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "solocrm.accounts"
    label = "accounts"
    verbose_name = "Accounts"
