from __future__ import annotations

from django import forms

from crm_xero.crm.models import Contact, Opportunity, OpportunityLineItem, Organization, Project
from crm_xero.quantities import plain
from crm_xero.search import SearchField

ADDRESS_FIELDS = ["address_line1", "address_line2", "city", "region", "postal_code", "country"]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RecordSearchForm(forms.Form):
    """A record list's search box (`?q=`)."""

    q = SearchField(label="Search")


class OrganizationForm(forms.ModelForm):
    website = forms.URLField(label="Website", max_length=255, required=False, assume_scheme="https")

    class Meta:
        model = Organization
        fields = ["name", "email", "phone", "mobile", "website", *ADDRESS_FIELDS, "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "first_name",
            "last_name",
            "email",
            "phone",
            "mobile",
            "organization",
            *ADDRESS_FIELDS,
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}


class _PartiesMixin:
    """Organization and contact fields, checked to agree with each other."""

    def clean(self):
        cleaned = super().clean()
        organization, contact = cleaned.get("organization"), cleaned.get("contact")
        if (
            organization
            and contact
            and contact.organization_id
            and contact.organization_id != organization.pk
        ):
            self.add_error(
                "contact",
                f"{contact.full_name} belongs to {contact.organization}, not {organization}.",
            )
        return cleaned


class OpportunityForm(_PartiesMixin, forms.ModelForm):
    class Meta:
        model = Opportunity
        fields = [
            "name",
            "organization",
            "contact",
            "value",
            "currency",
            "stage",
            "expected_close_date",
            "notes",
        ]
        widgets = {
            "expected_close_date": DATE_INPUT,
            "notes": forms.Textarea(attrs={"rows": 3}),
            "currency": forms.TextInput(
                attrs={"maxlength": 3, "size": 4, "autocapitalize": "characters"}
            ),
        }
        help_texts = {"currency": "ISO 4217 code, e.g. AUD."}

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()


class OpportunityLineItemForm(forms.ModelForm):
    class Meta:
        model = OpportunityLineItem
        fields = ["description", "quantity", "unit_price", "item_code", "account_code", "tax_type"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:  # "2", not the column's "2.0000"
            self.initial["quantity"] = plain(self.instance.quantity)


LineItemFormSet = forms.inlineformset_factory(
    Opportunity,
    OpportunityLineItem,
    form=OpportunityLineItemForm,
    extra=1,
    can_delete=True,
)


class ProjectForm(_PartiesMixin, forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "name",
            "organization",
            "contact",
            "status",
            "start_date",
            "due_date",
            "description",
        ]
        widgets = {
            "start_date": DATE_INPUT,
            "due_date": DATE_INPUT,
            "description": forms.Textarea(attrs={"rows": 4}),
        }
