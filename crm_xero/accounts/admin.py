"""The admin for users; social accounts are read-only here.

A social account is what makes a sign-in SSO, so nobody may add or edit one in the admin (a
password-only superuser could otherwise make itself "SSO"). SSO apps come from the environment,
never from the database, so they are read-only too. Tokens are not shown at all.
"""

from __future__ import annotations

from allauth.socialaccount.admin import SocialAccountAdmin, SocialAppAdmin
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from crm_xero.accounts.models import User

admin.site.register(User, UserAdmin)


class ReadOnlyAdminMixin:
    """View only: no add, no change (delete, which only unlinks, stays with the permission)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlySocialAccountAdmin(ReadOnlyAdminMixin, SocialAccountAdmin):
    readonly_fields = ["user", "provider", "uid", "last_login", "date_joined", "extra_data"]


class ReadOnlySocialAppAdmin(ReadOnlyAdminMixin, SocialAppAdmin):
    def has_delete_permission(self, request, obj=None) -> bool:
        return False


for model in (SocialAccount, SocialApp, SocialToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
admin.site.register(SocialAccount, ReadOnlySocialAccountAdmin)
admin.site.register(SocialApp, ReadOnlySocialAppAdmin)
