from django.contrib import admin
from django.db import models

from crm_xero.admin_site import SafeAutocompleteMixin
from crm_xero.crm.models import Contact, Opportunity, OpportunityLineItem, Organization, Project


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ["first_name", "last_name", "email", "phone"]
    extra = 0
    show_change_link = True


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "city", "country", "updated_at"]
    search_fields = ["name", "email", "phone", "city"]
    list_filter = ["country"]
    inlines = [ContactInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Contact)
class ContactAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ["__str__", "email", "phone", "organization", "updated_at"]
    search_fields = ["first_name", "last_name", "email", "organization__name"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]


class LineItemInline(admin.TabularInline):
    model = OpportunityLineItem
    extra = 0
    fields = ["description", "quantity", "unit_price", "item_code", "account_code", "tax_type"]


@admin.register(Opportunity)
class OpportunityAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ["name", "organization", "contact", "value", "currency", "stage"]
    list_filter = ["stage", "currency"]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization", "contact"]
    autocomplete_fields = ["organization", "contact"]
    inlines = [LineItemInline]


@admin.register(Project)
class ProjectAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ["name", "organization", "contact", "status", "start_date", "due_date"]
    list_filter = ["status"]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization", "contact"]
    autocomplete_fields = ["organization", "contact"]
