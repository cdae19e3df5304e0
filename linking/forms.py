from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone

from crm_xero.crm.currencies import validate_currency_code
from crm_xero.search import OneLineField, SearchField
from linking.xero import InvoiceDraft, LineItem, xero_id

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SearchForm(forms.Form):
    q = SearchField(label="Search Xero contacts")


class ContactPickerForm(forms.Form):
    """The deal invoice form's search for the Xero contact to invoice."""

    contact_q = SearchField(label="Search Xero contacts")


class NewXeroContactForm(forms.Form):
    """The contact picker's New Xero Contact: a name of one line (control characters become
    spaces) and the form's one-time token."""

    new_contact_name = OneLineField(
        max_length=255,
        error_messages={
            "required": "Give the new Xero contact a name.",
            "max_length": "A Xero contact's name has at most %(limit_value)d characters.",
        },
    )
    contact_token = forms.Field(required=False)  # checked by clean_contact_token

    def clean_contact_token(self) -> str:
        """The token the picker was rendered with; anything else (a NUL, a page of text) is
        no token of ours and is ignored (the view makes a new one)."""
        token = self.cleaned_data["contact_token"]
        return (
            token if isinstance(token, str) and re.fullmatch(r"[A-Za-z0-9-]{1,64}", token) else ""
        )


class InvoiceDraftForm(forms.Form):
    """The invoice draft's header; the contact is fixed by the tab it is made from."""

    token = forms.CharField(widget=forms.HiddenInput)  # one per form: the idempotency key's seed
    date = forms.DateField(widget=DATE_INPUT)
    due_date = forms.DateField(label="Due date", widget=DATE_INPUT)
    reference = forms.CharField(max_length=255, required=False)
    currency = forms.CharField(max_length=3, validators=[validate_currency_code])

    @classmethod
    def initial_for(cls, *, currency: str, **more) -> dict:
        """A new form's values: a fresh token, today, due in 30 days, the currency, `more`."""
        today = timezone.localdate()
        return {
            "token": uuid.uuid4().hex,
            "date": today,
            "due_date": today + timedelta(days=30),
            "currency": currency,
            **more,
        }

    def draft(self, lines: BaseInvoiceLineFormSet, *, contact_id: str) -> InvoiceDraft:
        """The valid form and lines as the DRAFT invoice to create for that Xero contact."""
        return InvoiceDraft(
            contact_id=contact_id,
            date=self.cleaned_data["date"],
            due_date=self.cleaned_data["due_date"],
            reference=self.cleaned_data["reference"],
            currency=self.cleaned_data["currency"],
            line_items=lines.line_items(),
        )

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


class BaseInvoiceLineFormSet(forms.BaseFormSet):
    def line_items(self) -> tuple[LineItem, ...]:
        """The valid lines as line items (deleted and empty rows left out)."""
        return tuple(
            LineItem(
                description=line["description"],
                quantity=line["quantity"],
                unit_amount=line["unit_amount"],
                account_code=line["account_code"],
            )
            for line in self.cleaned_data
            if line and not line.get("DELETE")
        )


InvoiceLineFormSet = forms.formset_factory(
    InvoiceLineForm,
    formset=BaseInvoiceLineFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    can_delete=True,
)


class DealInvoiceForm(InvoiceDraftForm):
    """An invoice draft from an opportunity or project: the Xero contact is chosen in the form."""

    contact_id = forms.Field(  # a GUID: see clean_contact_id
        widget=forms.HiddenInput,
        error_messages={"required": "Choose the Xero contact to invoice (search, or create one)."},
    )
    contact_name = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_contact_id(self) -> str:
        if (contact_id := xero_id(self.cleaned_data["contact_id"])) is None:
            raise forms.ValidationError(self.fields["contact_id"].error_messages["required"])
        return contact_id


class FindItemsForm(forms.Form):
    q = SearchField(label="Number or reference")
    date_from = forms.DateField(label="From", required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label="To", required=False, widget=DATE_INPUT)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end of the range cannot be before its start.")
        return cleaned
