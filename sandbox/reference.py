"""An organisation's settings that invoice lines refer to: accounts, tax rates, items, tracking
categories, branding themes and currencies, in Xero's shape, and the rules lines must follow.

https://developer.xero.com/documentation/api/accounting/accounts (and /taxrates, /items,
/trackingcategories, /brandingthemes, /currencies)
`Catalogue` loads one organisation's reference data once per request (a batch of invoices is
checked against one snapshot).
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sandbox import wire
from sandbox.models import (
    Account,
    BrandingTheme,
    Currency,
    Item,
    Organisation,
    TaxRate,
    TrackingCategory,
    TrackingOption,
)
from sandbox.where import Field

# https://developer.xero.com/documentation/api/accounting/types#accounts
ACCOUNT_CLASSES = {
    "BANK": "ASSET", "CURRENT": "ASSET", "FIXED": "ASSET", "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET", "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY", "LIABILITY": "LIABILITY", "TERMLIAB": "LIABILITY",
    "PAYG": "LIABILITY",
    "EQUITY": "EQUITY",
    "DEPRECIATN": "EXPENSE", "DIRECTCOSTS": "EXPENSE", "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "OTHERINCOME": "REVENUE", "REVENUE": "REVENUE", "SALES": "REVENUE",
}  # fmt: skip
# Which TaxRate flag says a rate may be used with an account of each class.
CLASS_FLAGS = {
    "ASSET": "can_apply_to_assets",
    "EQUITY": "can_apply_to_equity",
    "EXPENSE": "can_apply_to_expenses",
    "LIABILITY": "can_apply_to_liabilities",
    "REVENUE": "can_apply_to_revenue",
}
# "No tax": the tax type of every line of a NoTax document, valid in every organisation.
NO_TAX = "NONE"

ITEM_FIELDS = {
    "ItemID": Field("guid", "item_id"),
    "Code": Field("string", "code"),
    "Name": Field("string", "name"),
    "Description": Field("string", "description"),
    "PurchaseDescription": Field("string", "purchase_description"),
    "IsSold": Field("bool", "is_sold"),
    "IsPurchased": Field("bool", "is_purchased"),
    "UpdatedDateUTC": Field("datetime", "updated"),
}
ACCOUNT_FIELDS = {
    "AccountID": Field("guid", "account_id"),
    "Code": Field("string", "code"),
    "Name": Field("string", "name"),
    "Type": Field("string", "type"),
    "Class": Field("string", "account_class"),
    "Status": Field("string", "status"),
    "TaxType": Field("string", "tax_type"),
    "Description": Field("string", "description"),
    "SystemAccount": Field("string", "system_account"),
    "EnablePaymentsToAccount": Field("bool", "enable_payments"),
    "ShowInExpenseClaims": Field("bool", "show_in_expense_claims"),
    "BankAccountType": Field("string", "bank_account_type"),
    "CurrencyCode": Field("string", "currency"),
    "ReportingCode": Field("string", "reporting_code"),
    "UpdatedDateUTC": Field("datetime", "updated"),
}
TAX_RATE_FIELDS = {
    "Name": Field("string", "name"),
    "TaxType": Field("string", "tax_type"),
    "Status": Field("string", "status"),
    "ReportTaxType": Field("string", "report_tax_type"),
    "EffectiveRate": Field("number", "rate"),
    "DisplayTaxRate": Field("number", "rate"),
    "CanApplyToAssets": Field("bool", "can_apply_to_assets"),
    "CanApplyToEquity": Field("bool", "can_apply_to_equity"),
    "CanApplyToExpenses": Field("bool", "can_apply_to_expenses"),
    "CanApplyToLiabilities": Field("bool", "can_apply_to_liabilities"),
    "CanApplyToRevenue": Field("bool", "can_apply_to_revenue"),
}
TRACKING_FIELDS = {
    "TrackingCategoryID": Field("guid", "tracking_category_id"),
    "Name": Field("string", "name"),
    "Status": Field("string", "status"),
}
CURRENCY_FIELDS = {
    "Code": Field("string", "code"),
    "Description": Field("string", "description"),
}


# ------------------------------------------------------------------------------- serialising


def serialize_item(item: Item, unit_places: int = 2) -> dict[str, Any]:
    """An item as GET /Items answers it (IsSold false: no sales description or details)."""
    data: dict[str, Any] = {"ItemID": str(item.item_id), "Code": item.code}
    if item.is_sold and item.description:
        data["Description"] = item.description
    if item.is_purchased and item.purchase_description:
        data["PurchaseDescription"] = item.purchase_description
    data["UpdatedDateUTC"] = wire.ms_datetime(item.updated)
    data["PurchaseDetails"] = (
        _details(item.purchase_unit_price, item.purchase_account, item.purchase_tax_type,
                 unit_places)
        if item.is_purchased
        else {}
    )  # fmt: skip
    data["SalesDetails"] = (
        _details(item.sales_unit_price, item.sales_account, item.sales_tax_type, unit_places)
        if item.is_sold
        else {}
    )
    data.update(
        Name=item.name,
        IsTrackedAsInventory=False,
        IsSold=item.is_sold,
        IsPurchased=item.is_purchased,
    )
    return data


def _details(
    price: Decimal | None, account: str, tax_type: str, unit_places: int
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if price is not None:
        data["UnitPrice"] = wire.number(price, unit_places)
    if account:
        data["AccountCode"] = account
    if tax_type:
        data["TaxType"] = tax_type
    return data


def serialize_account(account: Account) -> dict[str, Any]:
    """An account as GET /Accounts answers it."""
    data: dict[str, Any] = {
        "AccountID": str(account.account_id),
        "Code": account.code,
        "Name": account.name,
        "Status": account.status,
        "Type": account.type,
        "TaxType": account.tax_type,
        "Class": account.account_class,
        "EnablePaymentsToAccount": account.enable_payments,
        "ShowInExpenseClaims": account.show_in_expense_claims,
    }
    if account.description:
        data["Description"] = account.description
    if account.type == "BANK":
        data.update(
            BankAccountNumber=account.bank_account_number,
            BankAccountType=account.bank_account_type or "BANK",
            CurrencyCode=account.currency,
        )
    if account.system_account:
        data["SystemAccount"] = account.system_account
    if account.reporting_code:
        data["ReportingCode"] = account.reporting_code
        data["ReportingCodeName"] = account.reporting_code_name
    data["UpdatedDateUTC"] = wire.ms_datetime(account.updated)
    data["AddToWatchlist"] = False
    data["HasAttachments"] = False
    return data


def serialize_tax_rate(rate: TaxRate) -> dict[str, Any]:
    """A tax rate as GET /TaxRates answers it (one component; rates are percentages)."""
    percentage = wire.number(rate.rate, 4)
    return {
        "Name": rate.name,
        "TaxType": rate.tax_type,
        "ReportTaxType": rate.report_tax_type,
        "CanApplyToAssets": rate.can_apply_to_assets,
        "CanApplyToEquity": rate.can_apply_to_equity,
        "CanApplyToExpenses": rate.can_apply_to_expenses,
        "CanApplyToLiabilities": rate.can_apply_to_liabilities,
        "CanApplyToRevenue": rate.can_apply_to_revenue,
        "DisplayTaxRate": percentage,
        "EffectiveRate": percentage,
        "Status": rate.status,
        "TaxComponents": [
            {"Name": rate.component, "Rate": percentage, "IsCompound": False,
             "IsNonRecoverable": False}
        ],
    }  # fmt: skip


def serialize_tracking_category(
    category: TrackingCategory, options: list[TrackingOption]
) -> dict[str, Any]:
    """A tracking category with the given options."""
    return {
        "Name": category.name,
        "Status": category.status,
        "TrackingCategoryID": str(category.tracking_category_id),
        "Options": [
            {
                "TrackingOptionID": str(option.tracking_option_id),
                "Name": option.name,
                "Status": option.status,
            }
            for option in options
        ],
    }


def serialize_theme(theme: BrandingTheme) -> dict[str, Any]:
    data: dict[str, Any] = {
        "BrandingThemeID": str(theme.branding_theme_id),
        "Name": theme.name,
        "Type": "INVOICE",
        "SortOrder": theme.sort_order,
        "CreatedDateUTC": wire.ms_datetime(theme.created),
    }
    if theme.logo_url:
        data["LogoUrl"] = theme.logo_url
    return data


def serialize_currency(currency: Currency) -> dict[str, Any]:
    return {"Code": currency.code, "Description": currency.description}


# ------------------------------------------------------------------------------ the snapshot


@dataclass
class Catalogue:
    """One organisation's reference data, loaded once for a batch of documents."""

    organisation: Organisation
    accounts: dict[str, Account] = field(default_factory=dict)
    tax_rates: dict[str, TaxRate] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    categories: list[TrackingCategory] = field(default_factory=list)
    options: dict[int, list[TrackingOption]] = field(default_factory=dict)
    currencies: set[str] = field(default_factory=set)
    themes: list[BrandingTheme] = field(default_factory=list)

    @classmethod
    def load(cls, organisation: Organisation) -> Catalogue:
        options: dict[int, list[TrackingOption]] = {}
        for option in TrackingOption.objects.filter(category__organisation=organisation):
            options.setdefault(option.category_id, []).append(option)
        return cls(
            organisation=organisation,
            accounts={a.code.upper(): a for a in Account.objects.filter(organisation=organisation)},
            tax_rates={r.tax_type: r for r in TaxRate.objects.filter(organisation=organisation)},
            items={i.code.upper(): i for i in Item.objects.filter(organisation=organisation)},
            categories=list(TrackingCategory.objects.filter(organisation=organisation)),
            options=options,
            currencies=set(
                Currency.objects.filter(organisation=organisation).values_list("code", flat=True)
            ),
            themes=list(BrandingTheme.objects.filter(organisation=organisation)),
        )

    def default_theme(self) -> BrandingTheme | None:
        """The theme with the lowest SortOrder (0 is Xero's default)."""
        return min(self.themes, key=lambda t: t.sort_order, default=None)

    def theme(self, key: Any) -> BrandingTheme | None:
        try:
            wanted = uuid.UUID(str(key))
        except ValueError:
            return None
        return next((t for t in self.themes if t.branding_theme_id == wanted), None)

    def rate(self, tax_type: str) -> Decimal:
        """The tax type's rate as a fraction (0.1 for 10%); 0 for NONE or an unknown type."""
        found = self.tax_rates.get(tax_type)
        return found.rate / 100 if found is not None else Decimal("0")


# ------------------------------------------------------------------------ rules for one line


def account_errors(catalogue: Catalogue, code: str) -> list[str]:
    """Why a line cannot use this account code (unknown, archived, bank or system account)."""
    account = catalogue.accounts.get(code.upper())
    if account is None or account.type == "BANK" or account.system_account:
        return [f"Account code '{code}' is not a valid code for this document."]
    if account.status != "ACTIVE":
        return [
            f"Account code '{code}' has been archived, or has been deleted. Each line item "
            "must reference a valid account."
        ]
    return []


def tax_type_errors(
    catalogue: Catalogue, tax_type: str, invoice_type: str, account_code: str
) -> list[str]:
    """Why a line cannot use this tax type: not an active rate of the organisation, or one
    that does not apply to the line's account (or, without one, to the document's side)."""
    if tax_type == NO_TAX:
        return []
    rate = catalogue.tax_rates.get(tax_type)
    unusable = (
        f"The TaxType code '{tax_type}' does not exist or cannot be used for this type of "
        "transaction."
    )
    if rate is None or rate.status != "ACTIVE":
        return [unusable]
    account = catalogue.accounts.get(account_code.upper()) if account_code else None
    if account is not None:
        if not getattr(rate, CLASS_FLAGS.get(account.account_class, ""), True):
            return [
                f"The TaxType code '{tax_type}' cannot be used with account code '{account.code}'."
            ]
        return []
    side = "can_apply_to_revenue" if invoice_type.startswith("ACCREC") else "can_apply_to_expenses"
    return [] if getattr(rate, side) else [unusable]


def tracking(catalogue: Catalogue, given: Any, errors: list[str]) -> list[dict[str, str]]:
    """A line's Tracking, by names (Name/Option) or ids (TrackingCategoryID/TrackingOptionID),
    as Xero stores it: both names and both ids; at most one option per category, two in all."""
    if given is None:
        return []
    if not isinstance(given, list):
        errors.append("Tracking must be a list of tracking categories.")
        return []
    result: list[dict[str, str]] = []
    seen: set[int] = set()
    for entry in given:
        if not isinstance(entry, Mapping):
            errors.append("Tracking must be a list of tracking categories.")
            continue
        category = _category(catalogue, entry)
        label = str(entry.get("Name") or entry.get("TrackingCategoryID") or "")
        if category is None or category.status != "ACTIVE":
            errors.append(f"There is no ACTIVE tracking category with the name '{label}'.")
            continue
        option = _option(catalogue, category, entry)
        option_label = str(entry.get("Option") or entry.get("TrackingOptionID") or "")
        if option is None or option.status != "ACTIVE":
            errors.append(
                f"The tracking option '{option_label}' is not an ACTIVE option of the "
                f"tracking category '{category.name}'."
            )
            continue
        if category.pk in seen:
            errors.append(
                f"Only one option of the tracking category '{category.name}' may be used."
            )
            continue
        seen.add(category.pk)
        result.append(
            {
                "Name": category.name,
                "Option": option.name,
                "TrackingCategoryID": str(category.tracking_category_id),
                "TrackingOptionID": str(option.tracking_option_id),
            }
        )
    if len(result) > 2:
        errors.append("A line item can have at most two tracking categories.")
    return result


def _category(catalogue: Catalogue, entry: Mapping[str, Any]) -> TrackingCategory | None:
    key = entry.get("TrackingCategoryID")
    if key:
        try:
            wanted = uuid.UUID(str(key))
        except ValueError:
            return None
        return next((c for c in catalogue.categories if c.tracking_category_id == wanted), None)
    name = str(entry.get("Name") or "").strip().lower()
    # An archived category may share its name with an active one: prefer the active.
    named = [c for c in catalogue.categories if c.name.lower() == name]
    return next((c for c in named if c.status == "ACTIVE"), named[0] if named else None)


def _option(
    catalogue: Catalogue, category: TrackingCategory, entry: Mapping[str, Any]
) -> TrackingOption | None:
    options = catalogue.options.get(category.pk, [])
    key = entry.get("TrackingOptionID")
    if key:
        try:
            wanted = uuid.UUID(str(key))
        except ValueError:
            return None
        return next((o for o in options if o.tracking_option_id == wanted), None)
    name = str(entry.get("Option") or "").strip().lower()
    return next((o for o in options if o.name.lower() == name), None)


# ---------------------------------------------------------------------------- payment terms


def due_date(day: date, terms: Mapping[str, Any] | None) -> date | None:
    """The due date that payment terms ({"Day": n, "Type": ...}) give an invoice dated `day`."""
    if not isinstance(terms, Mapping) or not terms.get("Type"):
        return None
    try:
        days = int(terms.get("Day") or 0)
    except (TypeError, ValueError):
        return None
    kind = str(terms["Type"]).upper()
    if kind == "DAYSAFTERBILLDATE":
        return day + timedelta(days=days)
    if kind == "DAYSAFTERBILLMONTH":
        month_end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        return month_end + timedelta(days=days)
    if kind == "OFCURRENTMONTH":
        return _day_of(day.year, day.month, days)
    if kind == "OFFOLLOWINGMONTH":
        year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
        return _day_of(year, month, days)
    return None


def _day_of(year: int, month: int, days: int) -> date:
    """Day `days` of a month, the month's last day if it is shorter."""
    return date(year, month, max(1, min(days, calendar.monthrange(year, month)[1])))
