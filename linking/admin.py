"""Xero-derived data in the admin: read-only, and only in a session signed in through SSO."""

from __future__ import annotations

from django.contrib import admin

from crm_xero.accounts.sso import is_sso_session
from linking.models import AuditEntry, XeroConnection, XeroLink


class SsoSessionAdmin(admin.ModelAdmin):
    """Visible only to administrators whose session signed in through SSO (as Xero data is in
    the CRM); never added or changed here."""

    def has_module_permission(self, request) -> bool:
        return is_sso_session(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_sso_session(request) and super().has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(XeroConnection)
class XeroConnectionAdmin(SsoSessionAdmin):
    """Connections are made and removed on the Integrations page."""

    list_display = ["tenant_name", "base_currency", "health", "connected_by", "connected_at"]
    exclude = ["scopes"]
    readonly_fields = [
        "tenant_name",
        "tenant_id",
        "connection_id",
        "base_currency",
        "short_code",
        "country_code",
        "health",
        "health_detail",
        "access_token_expires_at",
        "token_refreshed_at",
        "connected_by",
        "connected_at",
    ]


@admin.register(AuditEntry)
class AuditEntryAdmin(SsoSessionAdmin):
    list_display = [
        "created_at",
        "user",
        "action",
        "record_type",
        "record_label",
        "xero_id",
        "succeeded",
        "error",
    ]
    list_filter = ["action", "succeeded", "record_type"]
    search_fields = ["record_label", "xero_id", "error", "user__email"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(XeroLink)
class XeroLinkAdmin(SsoSessionAdmin):
    """Links are made and removed on the records' Xero tabs (which audit them)."""

    list_display = ["__str__", "xero_type", "xero_name", "created_by", "created_at"]
    list_filter = ["xero_type"]
    search_fields = ["xero_name", "xero_id"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
