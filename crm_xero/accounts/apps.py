from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "crm_xero.accounts"
    label = "accounts"
    verbose_name = "Accounts"
