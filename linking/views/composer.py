"""The invoice composer, one form for both tabs: Create invoice draft on an organization or
contact (its linked Xero contact) and on an opportunity or project (a Xero contact chosen in the
form). Its choices come from Xero's reference data (cached per connection), its figures and
checks from `linking.composer`; what Xero still refuses is shown at the field it names."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.views.decorators.http import require_POST

from linking import composer, selectors, xero
from linking.forms import (
    ITEMS_LIST_ID,
    BaseInvoiceLineFormSet,
    DealInvoiceForm,
    InvoiceDraftForm,
    InvoiceLineFormSet,
)
from linking.models import XeroConnection
from linking.records import CONTACT_KINDS
from linking.views._common import gate, tab_context
from linking.xero import ContactDefaults, ReferenceData, XeroError

PREFIX = composer.LINE_PREFIX
LINES_ID = "#composer-lines"  # the lines' fieldset: it asks for the total as they change
# Which buttons the form posts with, besides Create: Work out total, Refresh (Xero's choices
# read again), "Use for every line" (account or tax rate of line N on every line).
PREVIEW, REFRESH = "preview", "refresh"
EVERY = re.compile(r"every-(account|tax)-(\d{1,4})")
EVERY_FIELD = {"account": "account_code", "tax": "tax_type"}
LINE_FIELDS = ("description", "unit_price", "account_code", "tax_type")


def reference(connection: XeroConnection, *, refresh: bool = False) -> ReferenceData:
    """Xero's choices for the form (cached per connection: a warm form asks Xero nothing)."""
    return xero.reference_data(connection, refresh=refresh)


def contact_defaults(
    connection: XeroConnection, contact_id: object, *, ask: bool = True
) -> ContactDefaults | None:
    """What the Xero contact's invoices start with, or None when unknown: from the cache, and
    (`ask`, for a new form) from Xero when not cached; a posted form never asks Xero for it."""
    if not (guid := xero.xero_id(str(contact_id or ""))):
        return None
    if not ask:
        found = xero.cached_contact(connection, guid)
        return found.defaults if found is not None else None
    try:
        return xero.contact(connection, guid).value.defaults
    except XeroError:
        return None


# ------------------------------------------------------------------ what the form starts with


def completed_line(
    line: Mapping[str, Any], data: ReferenceData, contact: ContactDefaults | None
) -> dict[str, Any]:
    """A line with what the person left empty filled as Xero would fill it: from its item
    (description, unit price, account, tax rate), else the account's tax type, else the
    contact's defaults. What was typed or chosen is kept."""
    filled = dict(line)
    code = str(filled.get("item_code") or "").strip()
    item = data.item(code) if code else None
    if item is not None and item.is_sold:
        picked = composer.line_from_item(item, reference_data=data, contact=contact)
        filled["item_code"] = item.code
        for name in LINE_FIELDS:
            if filled.get(name) in (None, ""):
                filled[name] = getattr(picked, name)
    if not filled.get("account_code"):
        filled["account_code"] = composer.line_account_code(contact=contact)
    if not filled.get("tax_type"):
        account = data.account(str(filled.get("account_code") or ""))
        filled["tax_type"] = composer.line_tax_type(account=account, contact=contact)
    return filled


def _line_data(data: QueryDict, index: int) -> dict[str, Any]:
    return {
        name: data.get(composer.line_field(index, name), "") for name in (*LINE_FIELDS, "item_code")
    }


def completed_data(
    data: QueryDict, lines: BaseInvoiceLineFormSet, reference_data: ReferenceData,
    contact: ContactDefaults | None,
) -> QueryDict:  # fmt: skip
    """The posted form with each line's empty fields filled (see `completed_line`)."""
    filled = data.copy()
    for index in range(len(lines.forms)):
        line = _line_data(data, index)
        if not any(str(v).strip() for v in line.values()) and not data.get(
            composer.line_field(index, "quantity")
        ):
            continue  # an unused row stays empty
        for name, value in completed_line(line, reference_data, contact).items():
            if value not in (None, "") and not str(line.get(name) or "").strip():
                filled[composer.line_field(index, name)] = _text(value)
    return filled


def _text(value: object) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def used_for_every_line(data: QueryDict, action: str, count: int) -> QueryDict:
    """The posted form with line N's account (or tax rate) set on every line."""
    match = EVERY.fullmatch(action)
    if match is None:
        return data
    name = EVERY_FIELD[match.group(1)]
    value = data.get(composer.line_field(int(match.group(2)), name), "")
    changed = data.copy()
    for index in range(count):
        changed[composer.line_field(index, name)] = value
    return changed


# ------------------------------------------------------------------ the composer, bound


@dataclass
class Composer:
    """The form, its lines and what they are shown with."""

    form: InvoiceDraftForm
    lines: BaseInvoiceLineFormSet
    reference_data: ReferenceData
    contact: ContactDefaults | None
    preview: composer.Preview = field(default_factory=lambda: composer.Preview(composer.EXCLUSIVE))
    due_date_source: str = ""

    def work_out(self) -> composer.Preview:
        """The live total of what the form holds (valid parts only), lines' amounts noted."""
        header = self.form.header() if self.form.is_bound else None
        amount_type = header.amount_type if header else self._initial_amount_type()
        self.preview = composer.totals(
            self.lines.draft_lines(), amount_type, self.reference_data.tax_rates
        )
        by_index = {line.index: line for line in self.preview.lines}
        for index, line_form in enumerate(self.lines.forms):
            setattr(line_form, "preview", by_index.get(index))  # noqa: B010  (for the template)
        self._due_date_source()
        return self.preview

    def _initial_amount_type(self) -> str:
        return str(self.form.initial.get("amount_type") or composer.EXCLUSIVE)

    def _due_date_source(self) -> None:
        """Says where the due date came from, while it is still the default for the date."""
        invoice_date, due = self._value("date"), self._value("due_date")
        if not isinstance(invoice_date, date) or not isinstance(due, date):
            return
        default, source = composer.default_due_date(
            invoice_date, contact=self.contact, reference_data=self.reference_data
        )
        self.due_date_source = f"Due {source}." if default == due else ""

    def _value(self, name: str) -> object:
        if self.form.is_bound:
            return (getattr(self.form, "cleaned_data", None) or {}).get(name)
        return self.form.initial.get(name)

    @property
    def currency(self) -> str:
        return str(self._value("currency") or self.reference_data.base_currency)

    def check(self) -> bool:
        """Django's checks, then the composer's rules: each problem at its field; True when
        the draft may be sent."""
        valid = self.form.is_valid() & self.lines.is_valid()
        problems = composer.validate(
            self.lines.draft_lines(), self.form.header(), self.reference_data
        )
        for name, message in problems.items():
            self._add_error(name, message)
        return valid and not problems

    def _add_error(self, name: str, message: str) -> None:
        if name.startswith(f"{PREFIX}-"):
            _, index, field_name = name.split("-", 2)
            line = self.lines.forms[int(index)]
            line.add_error(field_name if field_name in line.fields else None, message)
        else:
            self.form.add_error(name if name in self.form.fields else None, message)

    def place_refusal(self, error: XeroError) -> str:
        """Xero's refusal shown at the fields its messages name (an account code, a tax type,
        a tracking option, the currency); the rest is returned, to show above the lines."""
        left = []
        for message in error.validation or (error.message,):
            said = f"Xero: {message}" if error.xero_said else message
            if not self._place(message, said):
                left.append(said)
        return " ".join(left) or "Xero refused the draft: see the fields marked."

    def _place(self, message: str, said: str) -> bool:
        placed = False
        for line_form in self.lines.forms:
            data = getattr(line_form, "cleaned_data", None) or {}
            for name in ("account_code", "tax_type", "item_code"):
                if _mentions(message, data.get(name)):
                    line_form.add_error(name, said)
                    placed = True
                    break
            else:
                for name, category_id in line_form.tracking_names:
                    option = self._option_name(category_id, data.get(name))
                    if _mentions(message, option):
                        line_form.add_error(name, said)
                        placed = True
        if not placed and _mentions(message, (self.form.cleaned_data or {}).get("currency")):
            self.form.add_error("currency", said)
            placed = True
        return placed

    def _option_name(self, category_id: str, option_id: object) -> str:
        category = self.reference_data.tracking_category(category_id)
        option = category.option(str(option_id or "")) if category else None
        return option.name if option else ""

    def context(self) -> dict[str, Any]:
        data = self.reference_data
        return {
            "form": self.form,
            "lines": self.lines,
            "preview": self.preview,
            "currency": self.currency,
            "due_date_source": self.due_date_source,
            "items": composer.item_choices(data.items),
            "items_list_id": ITEMS_LIST_ID,
            "tracking_categories": composer.active_tracking_categories(data.tracking_categories),
        }


def _mentions(message: str, value: object) -> bool:
    """Whether Xero's message names this value (a code or name, as a whole word)."""
    text = str(value or "").strip()
    return bool(text) and re.search(rf"(?<![\w-]){re.escape(text)}(?![\w-])", message) is not None


def compose(
    request: HttpRequest,
    connection: XeroConnection,
    *,
    form_class: type[InvoiceDraftForm],
    contact_id: str = "",
    initial_lines: Iterable[Mapping[str, Any]] = (),
    initial: Mapping[str, Any] | None = None,
) -> tuple[Composer, str]:
    """The composer for this request, and the button it was posted with ("" on a GET)."""
    posted = request.POST if request.method == "POST" else None
    action = str(posted.get("action", "")) if posted is not None else ""
    data = reference(connection, refresh=action == REFRESH)
    chosen = contact_id or (posted.get("contact_id", "") if posted is not None else "")
    contact = contact_defaults(connection, chosen, ask=posted is None)
    if posted is None:
        form = form_class(
            initial=form_class.initial_for(reference_data=data, contact=contact, **(initial or {})),
            reference_data=data,
        )
        lines = InvoiceLineFormSet(
            prefix=PREFIX,
            initial=[completed_line(line, data, contact) for line in initial_lines] or None,
            reference_data=data,
        )
    else:
        probe = InvoiceLineFormSet(posted, prefix=PREFIX, reference_data=data)
        count = len(probe.forms) if probe.management_form.is_valid() else 0
        bound = completed_data(used_for_every_line(posted, action, count), probe, data, contact)
        form = form_class(bound, reference_data=data)
        lines = InvoiceLineFormSet(bound, prefix=PREFIX, reference_data=data)
    return Composer(form, lines, data, contact), action


# ------------------------------------------------------------------ the live total, a line


def any_tab(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A composer helper for either tab (SSO and a live connection, as the tab's gate says)."""

    @wraps(view)
    def wrapper(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
        record, connection, refusal = gate(request, kind, pk)
        if refusal is not None:
            return refusal
        assert connection is not None
        return view(request, record, kind, connection)

    return require_POST(wrapper)


def _posted_composer(
    request: HttpRequest, record: Any, kind: str, connection: XeroConnection
) -> Composer:
    form_class = InvoiceDraftForm if kind in CONTACT_KINDS else DealInvoiceForm
    contact_id = ""
    if kind in CONTACT_KINDS:
        # The record's linked contact: its defaults fill what the person left empty.
        link = selectors.contact_link_get(record=record, connection=connection)
        contact_id = str(link.xero_id) if link is not None else ""
    found, _ = compose(request, connection, form_class=form_class, contact_id=contact_id)
    return found


def _totals_html(request: HttpRequest, record: Any, kind: str, found: Composer) -> str:
    context = tab_context(record, kind, **found.context())
    return render_to_string("linking/_composer_totals.html", context, request=request)


@any_tab
def composer_preview(request: HttpRequest, record: Any, kind: str, connection: XeroConnection):
    """The live total: subtotal, tax per rate and total of what the form holds, worked out on
    the server by Xero's rules (htmx posts the form here as lines change)."""
    try:
        found = _posted_composer(request, record, kind, connection)
    except XeroError as exc:
        return HttpResponse(
            f'<div id="draft-totals" class="note error">{escape(exc.message)}</div>'
        )
    found.work_out()
    return HttpResponse(_totals_html(request, record, kind, found))


@any_tab
def composer_line(request: HttpRequest, record: Any, kind: str, connection: XeroConnection):
    """One line again after its item was picked: description, unit price, account and tax rate
    from the item (all still editable), and the total with it (out of band)."""
    try:
        index = int(request.POST.get("line", ""))
    except ValueError:
        return HttpResponse(status=400)
    posted = request.POST.copy()
    try:
        if request.POST.get("picked") == "account":
            # Choosing an account sets its default tax rate, as Xero's invoice screen does.
            account = reference(connection).account(
                posted.get(composer.line_field(index, "account_code"), "")
            )
            if account is not None and account.tax_type:
                posted[composer.line_field(index, "tax_type")] = account.tax_type
        else:
            # Picking an item replaces what the line had from the previous item.
            for name in LINE_FIELDS:
                posted.pop(composer.line_field(index, name), None)
        request.POST = posted  # type: ignore[assignment]
        found = _posted_composer(request, record, kind, connection)
    except XeroError as exc:
        return HttpResponse(status=502, content=escape(exc.message))
    if not 0 <= index < len(found.lines.forms):
        return HttpResponse(status=400)
    found.work_out()
    context = tab_context(
        record, kind, **found.context(), line=found.lines.forms[index], index=index + 1
    )
    response = render(request, "linking/_composer_line.html", context)
    # The total is asked for again once the line is in place (the lines' fieldset listens).
    response["HX-Trigger-After-Settle"] = json.dumps({"composer-changed": {"target": LINES_ID}})
    return response


def render_composer(
    request: HttpRequest, template: str, context: dict[str, Any], found: Composer
) -> HttpResponse:
    found.work_out()
    return render(request, template, {**context, **found.context()})
