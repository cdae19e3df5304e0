from django.contrib import admin

from linking.models import AuditEntry, XeroConnection


@admin.register(XeroConnection)
class XeroConnectionAdmin(admin.ModelAdmin):
    """Read-only: connections are made and removed on the Integrations page."""

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

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
