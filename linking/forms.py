from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone

from crm_xero.crm.currencies import validate_currency_code

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SearchForm(forms.Form):
    q = forms.CharField(label="Search Xero contacts", max_length=255, required=False)


class InvoiceDraftForm(forms.Form):
    """The invoice draft's header; the contact is fixed by the tab it is made from."""

    token = forms.CharField(widget=forms.HiddenInput)  # one per form: the idempotency key's seed
    date = forms.DateField(widget=DATE_INPUT)
    due_date = forms.DateField(label="Due date", widget=DATE_INPUT)
    reference = forms.CharField(max_length=255, required=False)
    currency = forms.CharField(max_length=3, validators=[validate_currency_code])

    @classmethod
    def initial_for(cls, *, currency: str) -> dict:
        today = timezone.localdate()
        return {
            "token": uuid.uuid4().hex,
            "date": today,
            "due_date": today + timedelta(days=30),
            "currency": currency,
        }

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("date")
            and cleaned.get("due_date")
            and cleaned["due_date"] < cleaned["date"]
        ):
            self.add_error("due_date", "The due date cannot be before the invoice date.")
        return cleaned


class InvoiceLineForm(forms.Form):
    description = forms.CharField(max_length=4000)
    quantity = forms.DecimalField(
        max_digits=12, decimal_places=4, initial=Decimal("1"), validators=[MinValueValidator(0)]
    )
    unit_amount = forms.DecimalField(label="Unit amount", max_digits=14, decimal_places=2)
    account_code = forms.CharField(label="Account code", max_length=10, required=False)


InvoiceLineFormSet = forms.formset_factory(
    InvoiceLineForm, extra=0, min_num=1, validate_min=True, can_delete=True
)


class DealInvoiceForm(InvoiceDraftForm):
    """An invoice draft from an opportunity or project: the Xero contact is chosen in the form."""

    contact_id = forms.CharField(
        widget=forms.HiddenInput,
        error_messages={"required": "Choose the Xero contact to invoice (search, or create one)."},
    )
    contact_name = forms.CharField(widget=forms.HiddenInput, required=False)


class FindItemsForm(forms.Form):
    q = forms.CharField(label="Number or reference", max_length=255, required=False)
    date_from = forms.DateField(label="From", required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label="To", required=False, widget=DATE_INPUT)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end of the range cannot be before its start.")
        return cleaned
