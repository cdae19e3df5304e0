"""The demo organisations' settings: chart of accounts, tax rates, items, tracking categories,
branding themes and currencies. Deterministic ids; seeding again adds nothing.

The AU organisation follows Xero's Australian demo company (GST 10%: OUTPUT, INPUT, GST free,
BAS excluded); the NZ one Xero's New Zealand one (GST 15%: OUTPUT2, INPUT2, zero rated, no GST).
Item names and prices match the CRM demo's services (crm_xero/crm/demo.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

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
from sandbox.reference import ACCOUNT_CLASSES

CHANGED = datetime(2024, 1, 15, 22, 5, tzinfo=UTC)

# (TaxType, Name, ReportTaxType, rate %, applies to: Assets Equity eXpenses Liabilities Revenue)
AU_TAX_RATES = (
    ("OUTPUT", "GST on Income", "OUTPUT", "10", "AEL R"),
    ("INPUT", "GST on Expenses", "INPUT", "10", "AEXL"),
    ("EXEMPTOUTPUT", "GST Free Income", "EXEMPTOUTPUT", "0", "AEL R"),
    ("EXEMPTEXPENSES", "GST Free Expenses", "EXEMPTEXPENSES", "0", "AEXL"),
    ("EXEMPTEXPORT", "GST Free Exports", "EXEMPTEXPORT", "0", "R"),
    ("BASEXCLUDED", "BAS Excluded", "BASEXCLUDED", "0", "AEXLR"),
    ("INPUTTAXED", "Input Taxed", "INPUTTAXED", "0", "AEXLR"),
    ("CAPEXINPUT", "GST on Capital", "CAPITALEXPENSESINPUT", "10", "A"),
    ("EXEMPTCAPITAL", "GST Free Capital", "EXEMPTCAPITAL", "0", "A"),
    ("GSTONIMPORTS", "GST on Imports", "GSTONIMPORTS", "0", "L"),
)
NZ_TAX_RATES = (
    ("OUTPUT2", "15% GST on Income", "OUTPUT", "15", "AEL R"),
    ("INPUT2", "15% GST on Expenses", "INPUT", "15", "AEXL"),
    ("ZERORATED", "Zero Rated", "OUTPUT", "0", "L R"),
    ("NONE", "No GST", "NONE", "0", "AEXLR"),
    ("GSTONIMPORTS", "GST on Imports", "GSTONIMPORTS", "0", "L"),
)
# An old custom rate, archived: refused on new lines, still listed.
ARCHIVED_RATES = {"AU": ("TAX001", "Luxury Car Tax (old)", "OUTPUT", "33", "R")}

# (Code, Name, Type, AU tax type, NZ tax type, description / system account)
ACCOUNTS = (
    ("090", "Business Bank Account", "BANK", "BASEXCLUDED", "NONE", ""),
    ("091", "Business Savings Account", "BANK", "BASEXCLUDED", "NONE", ""),
    ("200", "Sales", "REVENUE", "OUTPUT", "OUTPUT2",
     "Income from any normal business activity"),
    ("210", "Hardware Sales", "SALES", "OUTPUT", "OUTPUT2", "Sales of hardware and equipment"),
    ("250", "Legacy Service Income", "REVENUE", "OUTPUT", "OUTPUT2",
     "Archived: the old service plans"),
    ("260", "Other Revenue", "REVENUE", "OUTPUT", "OUTPUT2",
     "Any other income that does not relate to normal business activities"),
    ("270", "Interest Income", "REVENUE", "INPUTTAXED", "NONE",
     "Interest income from bank accounts"),
    ("300", "Purchases", "DIRECTCOSTS", "INPUT", "INPUT2", "Goods purchased for resale"),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT", "INPUT2", ""),
    ("320", "Subcontractors", "DIRECTCOSTS", "INPUT", "INPUT2", ""),
    ("400", "Advertising", "EXPENSE", "INPUT", "INPUT2", ""),
    ("404", "Bank Fees", "EXPENSE", "EXEMPTEXPENSES", "NONE", ""),
    ("408", "Cleaning", "EXPENSE", "INPUT", "INPUT2", ""),
    ("412", "Consulting & Accounting", "EXPENSE", "INPUT", "INPUT2", ""),
    ("416", "Depreciation", "DEPRECIATN", "BASEXCLUDED", "NONE", ""),
    ("420", "Entertainment", "EXPENSE", "BASEXCLUDED", "NONE", ""),
    ("425", "Freight & Courier", "EXPENSE", "INPUT", "INPUT2", ""),
    ("429", "General Expenses", "EXPENSE", "INPUT", "INPUT2", ""),
    ("433", "Insurance", "EXPENSE", "INPUT", "INPUT2", ""),
    ("437", "Interest Expense", "EXPENSE", "EXEMPTEXPENSES", "NONE", ""),
    ("441", "Legal expenses", "EXPENSE", "INPUT", "INPUT2", ""),
    ("445", "Light, Power, Heating", "EXPENSE", "INPUT", "INPUT2", ""),
    ("449", "Motor Vehicle Expenses", "EXPENSE", "INPUT", "INPUT2", ""),
    ("453", "Office Expenses", "EXPENSE", "INPUT", "INPUT2", ""),
    ("461", "Printing & Stationery", "EXPENSE", "INPUT", "INPUT2", ""),
    ("469", "Rent", "OVERHEADS", "INPUT", "INPUT2", ""),
    ("473", "Repairs and Maintenance", "EXPENSE", "INPUT", "INPUT2", ""),
    ("477", "Wages and Salaries", "EXPENSE", "BASEXCLUDED", "NONE", ""),
    ("478", "Superannuation", "EXPENSE", "BASEXCLUDED", "NONE", ""),
    ("485", "Subscriptions", "EXPENSE", "INPUT", "INPUT2", ""),
    ("489", "Telephone & Internet", "EXPENSE", "INPUT", "INPUT2", ""),
    ("493", "Travel - National", "EXPENSE", "INPUT", "INPUT2", ""),
    ("494", "Travel - International", "EXPENSE", "EXEMPTEXPENSES", "NONE", ""),
    ("610", "Accounts Receivable", "CURRENT", "BASEXCLUDED", "NONE", "DEBTORS"),
    ("630", "Inventory", "INVENTORY", "BASEXCLUDED", "NONE", ""),
    ("710", "Office Equipment", "FIXED", "CAPEXINPUT", "INPUT2", ""),
    ("720", "Computer Equipment", "FIXED", "CAPEXINPUT", "INPUT2", ""),
    ("800", "Accounts Payable", "CURRLIAB", "BASEXCLUDED", "NONE", "CREDITORS"),
    ("820", "GST", "CURRLIAB", "BASEXCLUDED", "NONE", "GST"),
    ("960", "Retained Earnings", "EQUITY", "BASEXCLUDED", "NONE", "RETAINEDEARNINGS"),
)  # fmt: skip
ARCHIVED_ACCOUNTS = {"250"}
SYSTEM_ACCOUNTS = {"DEBTORS", "CREDITORS", "GST", "RETAINEDEARNINGS"}

# (Code, Name, sales price, sales account, AU sales tax; purchase price, purchase account)
# Sales tax types are the AU ones; NZ maps them (TAX_TYPES_NZ). No sales price: not sold.
ITEMS = (
    ("DISCOVERY", "Discovery workshop", "2400.00", "200", "OUTPUT", None, ""),
    ("IMPL-DAY", "Implementation (days)", "1450.00", "200", "OUTPUT", None, ""),
    ("TRAINING", "Training session", "900.00", "260", "OUTPUT", None, ""),
    ("SUPPORT-ANNUAL", "Annual support plan", "5200.00", "200", "OUTPUT", None, ""),
    ("SUPPORT-MONTH", "Monthly support plan", "480.00", "200", "OUTPUT", None, ""),
    ("HW-KIT", "Hardware kit", "349.95", "210", "OUTPUT", "220.00", "300"),
    ("HW-ROUTER", "Network router", "289.00", "210", "OUTPUT", "180.00", "300"),
    ("HW-CABLE", "Cat6 cable (per metre)", "2.4550", "210", "OUTPUT", "1.1250", "300"),
    ("TRAVEL", "Travel and expenses", "640.00", "260", "OUTPUT", None, ""),
    ("TRAVEL-INTL", "International travel recharge", "1800.00", "260", "EXEMPTOUTPUT",
     None, ""),
    ("CONSULT-HR", "Consulting (per hour)", "185.00", "200", "OUTPUT", None, ""),
    ("PM-HR", "Project management (per hour)", "165.00", "200", "OUTPUT", None, ""),
    ("DESIGN-HR", "Design (per hour)", "150.00", "200", "OUTPUT", None, ""),
    ("DEV-HR", "Development (per hour)", "175.00", "200", "OUTPUT", None, ""),
    ("AUDIT", "Systems audit", "3200.00", "200", "OUTPUT", None, ""),
    ("RETAINER", "Agency retainer (monthly)", "4199.90", "200", "OUTPUT", None, ""),
    ("LICENCE", "Software licence (per seat, annual)", "120.00", "200", "OUTPUT",
     "80.00", "485"),
    ("HOSTING", "Managed hosting (monthly)", "240.00", "200", "OUTPUT", "95.00", "489"),
    ("COURSE", "Accredited course (per student)", "950.00", "260", "EXEMPTOUTPUT", None, ""),
    ("EXPORT-SVC", "Consulting for overseas clients", "2000.00", "200", "EXEMPTEXPORT",
     None, ""),
    ("DISBURSE", "Disbursement (at cost)", "50.00", "260", "BASEXCLUDED", None, ""),
    ("VOUCHER", "Gift voucher", "100.00", "260", "BASEXCLUDED", None, ""),
    ("LATE-FEE", "Late payment fee", "25.00", "260", "OUTPUT", None, ""),
    ("LEGACY-SUPPORT", "Legacy support (old plan)", "99.00", "250", "OUTPUT", None, ""),
    ("MISC", "Miscellaneous service", "", "", "", None, ""),
    ("PAPER", "Printer paper (box)", None, "", "", "45.00", "461"),
    ("TONER", "Toner cartridge", None, "", "", "129.90", "453"),
    ("SATCHEL", "Courier satchel", None, "", "", "12.50", "425"),
    ("COFFEE", "Office coffee beans (1kg)", None, "", "", "38.00", "453"),
    ("WEBINAR-OLD", "Webinar (discontinued)", None, "", "", None, ""),
)  # fmt: skip
TAX_TYPES_NZ = {
    "OUTPUT": "OUTPUT2", "INPUT": "INPUT2", "EXEMPTOUTPUT": "ZERORATED",
    "EXEMPTEXPORT": "ZERORATED", "BASEXCLUDED": "NONE", "EXEMPTEXPENSES": "NONE",
    "INPUTTAXED": "NONE", "CAPEXINPUT": "INPUT2",
}  # fmt: skip
# Purchase tax types (AU): coffee beans are GST free, the rest carry GST.
PURCHASE_TAX = {"COFFEE": "EXEMPTEXPENSES"}

# Per organisation: (category, status, ((option, status), ...)). Xero allows two ACTIVE.
TRACKING = {
    "AU": (
        ("Region", "ACTIVE", (("North", "ACTIVE"), ("South", "ACTIVE"), ("East", "ACTIVE"),
                              ("West", "ACTIVE"), ("Central (old)", "ARCHIVED"))),
        ("Department", "ARCHIVED", (("Sales", "ACTIVE"), ("Consulting", "ACTIVE"),
                                    ("Support", "ACTIVE"))),
    ),
    "NZ": (
        ("Region", "ACTIVE", (("Auckland", "ACTIVE"), ("Wellington", "ACTIVE"),
                              ("Canterbury", "ACTIVE"), ("Otago (old)", "ARCHIVED"))),
        ("Department", "ACTIVE", (("Sales", "ACTIVE"), ("Consulting", "ACTIVE"),
                                  ("Support", "ACTIVE"), ("Marketing", "ARCHIVED"))),
    ),
}  # fmt: skip
THEMES = (("Standard", 0), ("Special Projects", 1))
CURRENCY_NAMES = {
    "AUD": "Australian Dollar",
    "NZD": "New Zealand Dollar",
    "USD": "United States Dollar",
    "EUR": "Euro",
    "GBP": "British Pound",
}
CURRENCIES = {"AU": ("AUD", "NZD", "USD", "EUR", "GBP"), "NZ": ("NZD", "AUD", "USD", "EUR", "GBP")}


def seed_reference(org: Organisation, stable_id: Callable[..., uuid.UUID]) -> None:
    """Create whatever is missing of the organisation's reference data."""
    country = org.country_code
    _tax_rates(org, country)
    _accounts(org, country, stable_id)
    _items(org, country, stable_id)
    _tracking(org, country, stable_id)
    BrandingTheme.objects.bulk_create(
        [
            BrandingTheme(
                organisation=org,
                branding_theme_id=stable_id(org.organisation_id, "theme", name),
                name=name,
                sort_order=order,
                created=CHANGED,
            )
            for name, order in THEMES
        ],
        ignore_conflicts=True,
    )
    Currency.objects.bulk_create(
        [
            Currency(organisation=org, code=code, description=CURRENCY_NAMES[code])
            for code in CURRENCIES.get(country, (org.base_currency,))
        ],
        ignore_conflicts=True,
    )


def _flags(applies: str) -> dict[str, bool]:
    return {
        "can_apply_to_assets": "A" in applies,
        "can_apply_to_equity": "E" in applies,
        "can_apply_to_expenses": "X" in applies,
        "can_apply_to_liabilities": "L" in applies,
        "can_apply_to_revenue": "R" in applies,
    }


def _tax_rates(org: Organisation, country: str) -> None:
    specs = list(AU_TAX_RATES if country == "AU" else NZ_TAX_RATES)
    archived = ARCHIVED_RATES.get(country)
    rows = [
        TaxRate(organisation=org, tax_type=tax_type, name=name, report_tax_type=report,
                rate=Decimal(rate), position=position, **_flags(applies))
        for position, (tax_type, name, report, rate, applies) in enumerate(specs)
    ]  # fmt: skip
    if archived:
        tax_type, name, report, rate, applies = archived
        rows.append(
            TaxRate(organisation=org, tax_type=tax_type, name=name, report_tax_type=report,
                    rate=Decimal(rate), status="ARCHIVED", position=len(rows), **_flags(applies))
        )  # fmt: skip
    TaxRate.objects.bulk_create(rows, ignore_conflicts=True)


def _accounts(org: Organisation, country: str, stable_id: Callable[..., uuid.UUID]) -> None:
    rows = []
    for code, name, kind, au_tax, nz_tax, extra in ACCOUNTS:
        system = extra if extra in SYSTEM_ACCOUNTS else ""
        bank = kind == "BANK"
        rows.append(
            Account(
                organisation=org,
                account_id=stable_id(org.organisation_id, "account", code),
                code=code,
                name=name,
                type=kind,
                account_class=ACCOUNT_CLASSES[kind],
                status="ARCHIVED" if code in ARCHIVED_ACCOUNTS else "ACTIVE",
                tax_type=au_tax if country == "AU" else nz_tax,
                description="" if system else extra,
                system_account=system,
                enable_payments=bank,
                show_in_expense_claims=kind in ("EXPENSE", "OVERHEADS"),
                bank_account_number=f"{'06' if country == 'NZ' else '08'}2-{code}-00451"
                if bank
                else "",
                bank_account_type="BANK" if bank else "",
                currency=org.base_currency if bank else "",
                updated=CHANGED,
            )
        )
    Account.objects.bulk_create(rows, ignore_conflicts=True)


def _items(org: Organisation, country: str, stable_id: Callable[..., uuid.UUID]) -> None:
    def tax(code: str) -> str:
        return TAX_TYPES_NZ.get(code, code) if country == "NZ" and code else code

    rows = []
    for code, name, price, account, sales_tax, cost, cost_account in ITEMS:
        sold, bought = price is not None, cost is not None
        rows.append(
            Item(
                organisation=org,
                item_id=stable_id(org.organisation_id, "item", code),
                code=code,
                name=name,
                description=name if sold else "",
                purchase_description=name if bought else "",
                is_sold=sold,
                is_purchased=bought,
                sales_unit_price=Decimal(price) if price else None,
                sales_account=account,
                sales_tax_type=tax(sales_tax),
                purchase_unit_price=Decimal(cost) if cost else None,
                purchase_account=cost_account,
                purchase_tax_type=tax(PURCHASE_TAX.get(code, "INPUT")) if bought else "",
                updated=CHANGED,
            )
        )
    Item.objects.bulk_create(rows, ignore_conflicts=True)


def _tracking(org: Organisation, country: str, stable_id: Callable[..., uuid.UUID]) -> None:
    for name, status, options in TRACKING.get(country, ()):
        category, _ = TrackingCategory.objects.get_or_create(
            tracking_category_id=stable_id(org.organisation_id, "tracking", name),
            defaults={"organisation": org, "name": name, "status": status},
        )
        TrackingOption.objects.bulk_create(
            [
                TrackingOption(
                    category=category,
                    tracking_option_id=stable_id(org.organisation_id, "tracking", name, option),
                    name=option,
                    status=option_status,
                )
                for option, option_status in options
            ],
            ignore_conflicts=True,
        )
