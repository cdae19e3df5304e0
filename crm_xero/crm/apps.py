from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm_xero.crm"
    label = "crm"
    verbose_name = "CRM records"
