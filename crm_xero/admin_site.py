"""The CRM's admin site: Django's, without the 500s that hostile query strings give it.

Django's admin trusts a few inputs that no admin page of ours can check itself:

- an empty `?_to_field=` (Django looks up a model field named "" and raises FieldDoesNotExist);
- NUL in the search term or a filter value (PostgreSQL refuses NUL in text: a DataError);
- a value that is not an id in a field with an autocomplete widget, e.g. the add page's
  `?organization=abc` (the widget filters ids with it: ValueError, or OverflowError on SQLite).

The site fixes the first two for every model page (ours, Django's and allauth's); the
`SafeAutocompleteMixin` fixes the third for the model admins that use autocomplete fields.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import ValidationError

from crm_xero.search import search_text, without_controls

TO_FIELD = "_to_field"  # django.contrib.admin.options.TO_FIELD_VAR
SEARCH = "q"  # django.contrib.admin.views.main.SEARCH_VAR


def _clean_query(query):
    """The admin's query string without control characters, and without an empty _to_field."""
    cleaned = query.copy()
    for name, values in query.lists():
        kept = [search_text(v, max_length=None) if name == SEARCH else without_controls(v)
                for v in values]  # fmt: skip
        cleaned.setlist(name, kept)
    if not cleaned.get(TO_FIELD, "x"):
        del cleaned[TO_FIELD]
    return cleaned


class CrmAdminSite(admin.AdminSite):
    def admin_view(self, view, cacheable=False):
        checked = super().admin_view(view, cacheable)

        @wraps(checked)
        def inner(request, *args, **kwargs):
            request.GET = _clean_query(request.GET)
            if request.method == "POST" and request.POST.get(TO_FIELD, "x") == "":
                post = request.POST.copy()
                del post[TO_FIELD]
                request.POST = post
            return checked(request, *args, **kwargs)

        return inner


class CrmAdminConfig(AdminConfig):
    """django.contrib.admin with the CRM's site as `admin.site`."""

    default_site = "crm_xero.admin_site.CrmAdminSite"


class AutocompleteSelect(widgets.AutocompleteSelect):
    """Django's autocomplete select, showing nothing selected for a value that is not an id of
    the related model (Django filters the related ids with it)."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if self._is_key(v)], attr)

    def _is_key(self, value) -> bool:
        remote = self.field.remote_field
        key = remote.model._meta.get_field(remote.field_name)
        try:
            key.run_validators(key.to_python(value))  # includes the column's integer range
        except (ValidationError, TypeError, ValueError):
            return False
        return True


class SafeAutocompleteMixin:
    """For a ModelAdmin with autocomplete_fields: the autocomplete widget above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
