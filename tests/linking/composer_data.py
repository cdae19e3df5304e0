"""A small organisation's reference data, as the seam would return it, for the composer tests."""

from __future__ import annotations

from decimal import Decimal

from linking import xero

GST = xero.TaxRate("GST on Income", "OUTPUT", "ACTIVE", Decimal("10.0000"), True)
GST_FREE = xero.TaxRate("GST Free Income", "EXEMPTOUTPUT", "ACTIVE", Decimal("0.0000"), True)
BAS_EXCLUDED = xero.TaxRate("BAS Excluded", "BASEXCLUDED", "ACTIVE", Decimal("0.0000"), True)
GST_ON_EXPENSES = xero.TaxRate("GST on Expenses", "INPUT", "ACTIVE", Decimal("10.0000"), False)
OLD_RATE = xero.TaxRate("Old Sales Tax", "OLDOUTPUT", "ARCHIVED", Decimal("12.5000"), True)
# Not an AU rate: lets one invoice mix two non-zero rates.
GST_15 = xero.TaxRate("GST on Income 15", "OUTPUT2", "ACTIVE", Decimal("15.0000"), True)
TAX_RATES = (GST, GST_FREE, BAS_EXCLUDED, GST_ON_EXPENSES, OLD_RATE, GST_15)

SALES = xero.LedgerAccount("acc-200", "200", "Sales", "REVENUE", "ACTIVE", "OUTPUT", "REVENUE")
OTHER = xero.LedgerAccount(
    "acc-260", "260", "Other Revenue", "OTHERINCOME", "ACTIVE", "OUTPUT", "REVENUE"
)
EXPORTS = xero.LedgerAccount(
    "acc-210", "210", "Export Sales", "SALES", "ACTIVE", "EXEMPTOUTPUT", "REVENUE"
)
ARCHIVED = xero.LedgerAccount(
    "acc-205", "205", "Old Sales", "REVENUE", "ARCHIVED", "OUTPUT", "REVENUE"
)
DELETED = xero.LedgerAccount("acc-206", "206", "Gone", "REVENUE", "DELETED", "OUTPUT", "REVENUE")
ADVERTISING = xero.LedgerAccount(
    "acc-400", "400", "Advertising", "EXPENSE", "ACTIVE", "INPUT", "EXPENSE"
)
BANK = xero.LedgerAccount("acc-090", "090", "Business Bank", "BANK", "ACTIVE", "", "ASSET")
ACCOUNTS = (OTHER, SALES, EXPORTS, ARCHIVED, DELETED, ADVERTISING, BANK)

CONSULTING = xero.Item(
    "item-1",
    "CONS",
    "Consulting",
    "Consulting, per hour",
    True,
    Decimal("150.0000"),
    "200",
    "OUTPUT",
)
TRAINING = xero.Item(
    "item-2",
    "TRAIN",
    "Training day",
    "Training (GST free)",
    True,
    Decimal("990.0000"),
    "260",
    "EXEMPTOUTPUT",
)
BARE = xero.Item("item-3", "BARE", "Bare item", "", True, Decimal("10.0000"), "210", "")
NOT_SOLD = xero.Item("item-4", "PAPER", "Printer paper", "", False, None, "", "")
ITEMS = (TRAINING, NOT_SOLD, CONSULTING, BARE)

NORTH = xero.TrackingOption("opt-north", "North")
SOUTH = xero.TrackingOption("opt-south", "South")
WEST = xero.TrackingOption("opt-west", "West", "ARCHIVED")
REGION = xero.TrackingCategory("cat-region", "Region", "ACTIVE", (NORTH, SOUTH, WEST))
DESIGN = xero.TrackingOption("opt-design", "Design")
DEPARTMENT = xero.TrackingCategory("cat-dept", "Department", "ARCHIVED", (DESIGN,))
TRACKING = (REGION, DEPARTMENT)

STANDARD = xero.BrandingTheme("theme-standard", "Standard", 0)
SPECIAL = xero.BrandingTheme("theme-special", "Special projects", 1)

AU = xero.ReferenceData(
    items=ITEMS,
    accounts=ACCOUNTS,
    tax_rates=TAX_RATES,
    tracking_categories=TRACKING,
    branding_themes=(SPECIAL, STANDARD),
    currencies=(
        xero.Currency("AUD", "Australian Dollar"),
        xero.Currency("USD", "United States Dollar"),
        xero.Currency("EUR", "Euro"),
        xero.Currency("GBP", "British Pound"),
    ),
    base_currency="AUD",
    payment_term=xero.PaymentTerm(14, "DAYSAFTERBILLDATE"),
)
