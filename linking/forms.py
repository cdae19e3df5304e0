from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from crm_xero.search import OneLineField, SearchField
from linking import composer
from linking.xero import (
    ContactDefaults,
    InvoiceDraft,
    LineItem,
    ReferenceData,
    TrackingChoice,
    xero_id,
)

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


def _choices_keeping(choices: list[tuple[str, str]], current: object, unknown: str):
    """`choices`, with the current value added (labelled `unknown`) when it is not among them,
    so that a value prefilled or posted from elsewhere is shown as it is and refused by name."""
    value = str(current or "").strip()
    if value and value.upper() not in {c.upper() for c, _ in choices}:
        return [(value, unknown.format(value=value)), *choices]
    return choices


class InvoiceDraftForm(forms.Form):
    """The invoice composer's header (the contact is fixed by the tab it is made from): dates,
    reference, currency, amount type and branding theme, as Xero's reference data offers them."""

    token = forms.CharField(widget=forms.HiddenInput)  # one per form: the idempotency key's seed
    date = forms.DateField(widget=DATE_INPUT)
    due_date = forms.DateField(label="Due date", widget=DATE_INPUT)
    reference = forms.CharField(max_length=composer.REFERENCE_MAX, required=False)
    currency = forms.CharField(max_length=3, widget=forms.Select)
    amount_type = forms.ChoiceField(  # left out: tax exclusive, Xero's default
        label="Amounts are", choices=list(composer.AMOUNT_TYPES.items()), required=False
    )
    branding_theme_id = forms.CharField(label="Branding theme", required=False, widget=forms.Select)
    submit_for_approval = forms.BooleanField(
        label="Submit for approval",
        required=False,
        help_text="Create it as Awaiting approval (SUBMITTED) instead of a draft.",
    )

    def __init__(self, *args: Any, reference_data: ReferenceData, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reference_data = reference_data
        currencies = [
            (c, f"{c} {names.get(c, '')}".strip())
            for names in [{x.code.upper(): x.description for x in reference_data.currencies}]
            for c in sorted(reference_data.currency_codes)
        ]
        self.fields["currency"].widget.choices = _choices_keeping(
            currencies, self["currency"].value(), "{value} (not in Xero)"
        )
        themes = sorted(reference_data.branding_themes, key=lambda t: (t.sort_order, t.name))
        self.fields["branding_theme_id"].widget.choices = [("", "Xero's default")] + [
            (t.branding_theme_id, t.name) for t in themes
        ]

    @classmethod
    def initial_for(
        cls,
        *,
        reference_data: ReferenceData,
        contact: ContactDefaults | None = None,
        today: dt.date | None = None,
        currency: str = "",
        **more: Any,
    ) -> dict[str, Any]:
        """A new form's values: a fresh token, today, and the due date, currency, amount type
        and theme Xero's own invoice screen would start with for this contact (`currency`, a
        deal's own, when the organisation has it); `more` on top."""
        today = today or timezone.localdate()
        start = composer.defaults(
            invoice_date=today, reference_data=reference_data, contact=contact
        )
        wanted = currency.strip().upper()
        return {
            "token": uuid.uuid4().hex,
            "date": today,
            "due_date": start.due_date,
            "currency": wanted if wanted in reference_data.currency_codes else start.currency,
            "amount_type": start.amount_type,
            "branding_theme_id": start.branding_theme_id,
            **more,
        }

    def clean_currency(self) -> str:
        return str(self.cleaned_data["currency"]).strip().upper()

    def clean_amount_type(self) -> str:
        return str(self.cleaned_data.get("amount_type") or composer.EXCLUSIVE)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("date")
            and cleaned.get("due_date")
            and cleaned["due_date"] < cleaned["date"]
        ):
            self.add_error("due_date", "The due date cannot be before the invoice date.")
        return cleaned

    def header(self) -> composer.DraftHeader:
        """The header as the composer's rules see it (what is valid of it)."""
        if self.is_bound:
            self.is_valid()  # cleans once; what is valid of an invalid form still counts
        data = getattr(self, "cleaned_data", {})
        return composer.DraftHeader(
            contact_id=str(data.get("contact_id") or ""),
            date=data.get("date"),
            due_date=data.get("due_date"),
            reference=data.get("reference") or "",
            currency=data.get("currency") or "",
            amount_type=data.get("amount_type") or composer.EXCLUSIVE,
            branding_theme_id=data.get("branding_theme_id") or "",
        )

    def draft(self, lines: BaseInvoiceLineFormSet, *, contact_id: str) -> InvoiceDraft:
        """The checked form and lines as the invoice to create for that Xero contact: every
        field chosen, DRAFT or (Submit for approval) SUBMITTED."""
        header = self.header()
        return InvoiceDraft(
            contact_id=contact_id,
            date=header.date,
            due_date=header.due_date,
            reference=header.reference,
            currency=header.currency,
            line_amount_types=header.amount_type,
            branding_theme_id=header.branding_theme_id,
            status="SUBMITTED" if self.cleaned_data.get("submit_for_approval") else "DRAFT",
            line_items=lines.line_items(),
        )


NUMBER_INPUT = forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})
ITEMS_LIST_ID = "xero-items"  # the <datalist> of Xero's items the item pickers use


class InvoiceLineForm(forms.Form):
    """One line of the composer; the composer's rules (composer.validate) check it further."""

    item_code = forms.CharField(
        label="Item",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"list": ITEMS_LIST_ID, "autocomplete": "off"}),
    )
    description = forms.CharField(max_length=composer.DESCRIPTION_MAX, required=False)
    quantity = forms.DecimalField(initial=Decimal("1"), required=False, widget=NUMBER_INPUT)
    unit_price = forms.DecimalField(label="Unit price", required=False, widget=NUMBER_INPUT)
    discount_rate = forms.DecimalField(label="Discount %", required=False, widget=NUMBER_INPUT)
    account_code = forms.CharField(
        label="Account", max_length=10, required=False, widget=forms.Select
    )
    tax_type = forms.CharField(label="Tax rate", max_length=32, required=False, widget=forms.Select)

    def __init__(self, *args: Any, reference_data: ReferenceData, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reference_data = reference_data
        accounts = [(a.code, a.label) for a in composer.revenue_accounts(reference_data.accounts)]
        kept = _choices_keeping(
            accounts, self["account_code"].value(), "{value} (not an active revenue account)"
        )
        self.fields["account_code"].widget.choices = [("", "Choose an account"), *kept]
        rates = [
            (r.tax_type, r.label) for r in composer.revenue_tax_rates(reference_data.tax_rates)
        ]
        kept = _choices_keeping(
            rates, self["tax_type"].value(), "{value} (not a tax rate for sales)"
        )
        self.fields["tax_type"].widget.choices = [("", "Choose a tax rate"), *kept]
        self.tracking_names: list[tuple[str, str]] = []  # (field name, category id)
        for category in composer.active_tracking_categories(reference_data.tracking_categories):
            name = f"tracking_{category.tracking_category_id}"
            self.fields[name] = forms.CharField(
                label=category.name,
                required=False,
                widget=forms.Select(
                    choices=[("", "None")]
                    + [(o.tracking_option_id, o.name) for o in category.options]
                ),
            )
            self.tracking_names.append((name, category.tracking_category_id))

    @property
    def cleaned_data_or_empty(self) -> dict[str, Any]:
        return getattr(self, "cleaned_data", None) or {}

    def _initial_values(self) -> dict[str, Any]:
        """An unbound line's values (what the form starts with), as its fields clean them."""
        values: dict[str, Any] = {}
        for name, form_field in self.fields.items():
            try:
                values[name] = form_field.clean(self[name].initial)
            except forms.ValidationError:
                values[name] = None
        return values

    @property
    def tracking_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, _ in self.tracking_names]

    def draft_line(self) -> composer.DraftLine:
        """The line as the composer's rules see it (what is valid of it; a deleted row blank)."""
        data = self._initial_values() if not self.is_bound else self.cleaned_data_or_empty
        if data.get("DELETE"):
            return composer.DraftLine()
        return composer.DraftLine(
            description=data.get("description") or "",
            quantity=data.get("quantity"),
            unit_price=data.get("unit_price"),
            discount_rate=data.get("discount_rate"),
            item_code=(data.get("item_code") or "").strip(),
            account_code=(data.get("account_code") or "").strip(),
            tax_type=(data.get("tax_type") or "").strip(),
            tracking=tuple(
                (category_id, data.get(name) or "")
                for name, category_id in self.tracking_names
                if data.get(name)
            ),
        )


class BaseInvoiceLineFormSet(forms.BaseFormSet):
    # Words for people, not Django's "Please submit at least 1 form." (merged over the defaults).
    default_error_messages = {
        "too_few_forms": "Add at least one line: a description or an item, with a quantity.",
    }

    def __init__(self, *args: Any, reference_data: ReferenceData, **kwargs: Any) -> None:
        self.reference_data = reference_data
        kwargs.setdefault("form_kwargs", {})["reference_data"] = reference_data
        super().__init__(*args, **kwargs)

    def draft_lines(self) -> list[composer.DraftLine]:
        """Every row as a composer line, in the form's order (indexes as the form names them)."""
        self.is_valid()  # cleans every row; what is valid of an invalid row still counts
        return [form.draft_line() for form in self.forms]

    def line_items(self) -> tuple[LineItem, ...]:
        """The lines to send (blank and deleted rows left out), tracking by ids."""
        data = self.reference_data
        items = []
        for line in self.draft_lines():
            if line.is_blank:
                continue
            item = data.item(line.item_code) if line.item_code else None
            items.append(
                LineItem(
                    description=line.description or (item.description or item.name if item else ""),
                    quantity=line.quantity if line.quantity is not None else Decimal("1"),
                    unit_amount=line.unit_price if line.unit_price is not None else Decimal("0"),
                    account_code=line.account_code,
                    item_code=item.code if item else line.item_code,
                    tax_type=line.tax_type,
                    discount_rate=line.discount_rate or None,
                    tracking=tuple(
                        TrackingChoice(
                            category_id=category_id,
                            option_id=option_id,
                            category_name=category.name if category else "",
                            option_name=option.name if option else "",
                        )
                        for category_id, option_id in line.tracking
                        for category in [data.tracking_category(category_id)]
                        for option in [category.option(option_id) if category else None]
                    ),
                )
            )
        return tuple(items)


InvoiceLineFormSet: type[BaseInvoiceLineFormSet] = forms.formset_factory(  # type: ignore[assignment]
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
