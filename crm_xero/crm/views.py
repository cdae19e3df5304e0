"""List, detail, create, edit and delete pages for the four record types."""

from __future__ import annotations

from functools import reduce
from operator import or_
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q, Value
from django.db.models.functions import Concat
from django.urls import reverse, reverse_lazy
from django.views import generic

from crm_xero.crm.forms import (
    ContactForm,
    LineItemFormSet,
    OpportunityForm,
    OrganizationForm,
    ProjectForm,
    RecordSearchForm,
)
from crm_xero.crm.models import Contact, Opportunity, Organization, Project
from crm_xero.params import record_id


class RecordMixin:
    """What every record page knows: the record type's slug and names."""

    kind: str

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meta = self.model._meta
        context.update(
            kind=self.kind,
            verbose_name=meta.verbose_name,
            verbose_name_plural=meta.verbose_name_plural,
            list_url=reverse(f"crm:{self.kind}_list"),
            create_url=reverse(f"crm:{self.kind}_create"),
        )
        return context


class RecordListView(RecordMixin, generic.ListView):
    """A searchable, sortable, paged list."""

    search_fields: tuple[str, ...] = ("name",)
    sort_fields: dict[str, tuple[str, ...]] = {"name": ("name",), "updated": ("updated_at",)}

    def get_paginate_by(self, queryset) -> int:
        return settings.CRM_PAGE_SIZE

    def get_template_names(self) -> list[str]:
        return [f"crm/{self.kind}_list.html"]

    def search_queryset(self, queryset):
        return queryset

    def get_queryset(self):
        queryset = self.search_queryset(super().get_queryset())
        search = RecordSearchForm(self.request.GET)
        self.q = search.cleaned_data["q"] if search.is_valid() else ""
        if self.q:
            terms = (Q(**{f"{field}__icontains": self.q}) for field in self.search_fields)
            queryset = queryset.filter(reduce(or_, terms))
        sort = self.request.GET.get("sort", "name")
        self.sort = sort if sort.lstrip("-") in self.sort_fields else "name"
        prefix = "-" if self.sort.startswith("-") else ""
        order = [prefix + field for field in self.sort_fields[self.sort.lstrip("-")]]
        return queryset.order_by(*order, f"{prefix}pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            q=self.q, sort=self.sort, name_sort="-name" if self.sort == "name" else "name"
        )
        return context


class RecordDetailView(RecordMixin, generic.DetailView):
    def get_template_names(self) -> list[str]:
        return [f"crm/{self.kind}_detail.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["xero_tab_url"] = reverse("linking:xero_tab", args=[self.kind, self.object.pk])
        # The Xero tab's own view of its lists (show, sort, page, ...) rides in the page's URL
        # (?tab=xero&...): handed to the tab as it is, which keeps what it understands.
        tab_state = self.request.GET.copy()
        tab_state.pop("tab", None)
        if tab_state:
            context["xero_tab_url"] += f"?{tab_state.urlencode()}"
        return context


class RecordFormMixin(RecordMixin):
    """Create and edit: prefill organization/contact from the query string, say what was saved."""

    template_name = "crm/record_form.html"
    prefill_fields: tuple[str, ...] = ()

    def get_initial(self):
        initial = super().get_initial()
        for field in self.prefill_fields:
            if (pk := record_id(self.request.GET.get(field))) is not None:
                initial[field] = pk
        return initial

    def form_valid(self, form):
        response = super().form_valid(form)
        verb = "created" if isinstance(self, generic.CreateView) else "saved"
        messages.success(self.request, f"{self.object} was {verb}.")
        return response


class RecordCreateView(RecordFormMixin, generic.CreateView):
    pass


class RecordUpdateView(RecordFormMixin, generic.UpdateView):
    pass


class RecordDeleteView(RecordMixin, generic.DeleteView):
    template_name = "crm/record_confirm_delete.html"

    def consequences(self) -> list[str]:
        """What else deleting this record changes, in words for the confirmation page."""
        return []

    def get_success_url(self) -> str:
        return reverse(f"crm:{self.kind}_list")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["consequences"] = self.consequences()
        return context

    def form_valid(self, form):
        name = str(self.object)
        response = super().form_valid(form)
        messages.success(self.request, f"{name} was deleted.")
        return response


def _kept(count: int, singular: str, plural: str, what: str) -> str:
    noun = singular if count == 1 else plural
    verb = "is" if count == 1 else "are"
    return f"{count} {noun} {verb} kept and will no longer {what}."


# Organizations


class OrganizationMixin:
    model = Organization
    kind = "organization"


class OrganizationList(OrganizationMixin, RecordListView):
    search_fields = ("name", "email", "city", "phone")

    def search_queryset(self, queryset):
        return queryset.annotate(contact_count=Count("contacts"))


class OrganizationDetail(OrganizationMixin, RecordDetailView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["prefill"] = urlencode({"organization": self.object.pk})
        return context


class OrganizationCreate(OrganizationMixin, RecordCreateView):
    form_class = OrganizationForm


class OrganizationUpdate(OrganizationMixin, RecordUpdateView):
    form_class = OrganizationForm


class OrganizationDelete(OrganizationMixin, RecordDeleteView):
    def consequences(self) -> list[str]:
        org = self.object
        counts = [
            (org.contacts.count(), "contact", "contacts"),
            (org.opportunities.count(), "opportunity", "opportunities"),
            (org.projects.count(), "project", "projects"),
        ]
        return [_kept(n, one, many, f"belong to {org.name}") for n, one, many in counts if n]


# Contacts


class ContactMixin:
    model = Contact
    kind = "contact"


class ContactList(ContactMixin, RecordListView):
    search_fields = ("full_name_search", "email", "organization__name", "phone", "mobile")
    sort_fields = {"name": ("last_name", "first_name"), "updated": ("updated_at",)}

    def search_queryset(self, queryset):
        return queryset.select_related("organization").annotate(
            full_name_search=Concat("first_name", Value(" "), "last_name")
        )


class ContactDetail(ContactMixin, RecordDetailView):
    queryset = Contact.objects.select_related("organization")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        prefill = {"contact": self.object.pk}
        if self.object.organization_id:
            prefill["organization"] = self.object.organization_id
        context["prefill"] = urlencode(prefill)
        return context


class ContactCreate(ContactMixin, RecordCreateView):
    form_class = ContactForm
    prefill_fields = ("organization",)


class ContactUpdate(ContactMixin, RecordUpdateView):
    form_class = ContactForm


class ContactDelete(ContactMixin, RecordDeleteView):
    def consequences(self) -> list[str]:
        contact = self.object
        counts = [
            (contact.opportunities.count(), "opportunity", "opportunities"),
            (contact.projects.count(), "project", "projects"),
        ]
        return [
            _kept(n, one, many, f"name {contact.full_name} as their contact")
            for n, one, many in counts
            if n
        ]


# Opportunities


class OpportunityMixin:
    model = Opportunity
    kind = "opportunity"


class OpportunityList(OpportunityMixin, RecordListView):
    search_fields = ("name", "organization__name", "contact__first_name", "contact__last_name")
    sort_fields = {
        "name": ("name",),
        "updated": ("updated_at",),
        "close": ("expected_close_date",),
    }

    def search_queryset(self, queryset):
        return queryset.select_related("organization", "contact")


class OpportunityDetail(OpportunityMixin, RecordDetailView):
    queryset = Opportunity.objects.select_related("organization", "contact").prefetch_related(
        "line_items"
    )


class OpportunityFormMixin:
    """The opportunity form together with its line items, saved as one."""

    form_class = OpportunityForm
    prefill_fields = ("organization", "contact")
    template_name = "crm/opportunity_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("line_items", self.line_item_formset())
        return context

    def line_item_formset(self):
        data = self.request.POST if self.request.method == "POST" else None
        return LineItemFormSet(data, instance=self.object or Opportunity(), prefix="lines")

    def form_valid(self, form):
        line_items = self.line_item_formset()
        if not line_items.is_valid():
            return self.render_to_response(self.get_context_data(form=form, line_items=line_items))
        with transaction.atomic():
            response = super().form_valid(form)
            line_items.instance = self.object
            line_items.save(commit=False)
            for line in line_items.deleted_objects:
                line.delete()
            deleted = set(line_items.deleted_forms)
            kept = [
                f.instance
                for f in line_items.forms
                if f not in deleted and (f.instance.pk or f.has_changed())
            ]
            for position, line in enumerate(kept):
                line.opportunity, line.position = self.object, position
                line.save()
        return response

    def form_invalid(self, form):
        return self.render_to_response(
            self.get_context_data(form=form, line_items=self.line_item_formset())
        )


class OpportunityCreate(OpportunityMixin, OpportunityFormMixin, RecordCreateView):
    pass


class OpportunityUpdate(OpportunityMixin, OpportunityFormMixin, RecordUpdateView):
    pass


class OpportunityDelete(OpportunityMixin, RecordDeleteView):
    def consequences(self) -> list[str]:
        n = self.object.line_items.count()
        return [f"Its {n} line item{'s' if n != 1 else ''} will be deleted too."] if n else []


# Projects


class ProjectMixin:
    model = Project
    kind = "project"


class ProjectList(ProjectMixin, RecordListView):
    search_fields = ("name", "organization__name", "contact__first_name", "contact__last_name")
    sort_fields = {"name": ("name",), "updated": ("updated_at",), "due": ("due_date",)}

    def search_queryset(self, queryset):
        return queryset.select_related("organization", "contact")


class ProjectDetail(ProjectMixin, RecordDetailView):
    queryset = Project.objects.select_related("organization", "contact")


class ProjectCreate(ProjectMixin, RecordCreateView):
    form_class = ProjectForm
    prefill_fields = ("organization", "contact")


class ProjectUpdate(ProjectMixin, RecordUpdateView):
    form_class = ProjectForm


class ProjectDelete(ProjectMixin, RecordDeleteView):
    pass


home = generic.RedirectView.as_view(url=reverse_lazy("crm:organization_list"))
