"""The sandbox's demo data: two organisations with contacts, invoices and bills. Deterministic.

Every id is derived from a fixed namespace, so seeding twice duplicates nothing (existing rows
are left as they are). Some contacts match the CRM demo (crm_xero/crm/demo.py) exactly by name
or by email, some almost match, some have awkward names; City Agency in the AU organisation is
the big customer whose invoice count is a parameter (3,000 by default).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sandbox import contacts, creditnotes, invoices, oauth, organisations, reference
from sandbox.models import App, Contact, CreditNote, Invoice, Knobs, Organisation, XeroUser
from sandbox.seed_reference import seed_reference

NAMESPACE = uuid.UUID("6f1d3c2a-58b4-4f7e-9a0d-3c5e7b9f1a24")
DEFAULT_BIG_CUSTOMER_INVOICES = 3000

AU_TENANT_ID = uuid.UUID("4b6a1c3e-8f2d-4e7a-9c51-2d8e0f7a3b61")
NZ_TENANT_ID = uuid.UUID("9e3f5a7c-1b2d-4c8e-a6f0-7d2b4e6a8c93")
AU_SHORT_CODE = "!k3Xz9"
NZ_SHORT_CODE = "!mB7tQ"
TENANT_IDS = (AU_TENANT_ID, NZ_TENANT_ID)

SANDBOX_CLIENT_ID = "CRMXEROSANDBOXCLIENT0000000000000"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret-not-for-production"
SANDBOX_APP_NAME = "CRM with Xero"
REDIRECT_PATHS = ("/integrations/xero/callback", "/accounts/oidc/xero/login/callback/")

ADMIN_EMAIL = "admin@example.com"
SELLER_EMAIL = "sam@example.com"
BOOKKEEPER_EMAIL = "bea@example.com"

BIG_CUSTOMER_NAME = "City Agency"
LONG_NAME = (
    "The Australasian Cooperative Society of Independent Bookbinders, Letterpress Printers, "
    "Paper Marblers, Calligraphers and Associated Heritage Craftspeople (Incorporated), "
    "trading as the Heritage Crafts Collective of Sydney, Melbourne and Hobart, Branch 777"
)


def stable_id(*parts: object) -> uuid.UUID:
    """A UUID that is the same on every run for the same parts."""
    return uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts))


BIG_CUSTOMER_ID = stable_id(AU_TENANT_ID, "contact", "city-agency")


@dataclass(frozen=True)
class ContactSpec:
    """A seeded contact: a key for its id, Xero fields, and its role (which invoices it gets)."""

    key: str
    name: str
    email: str = ""
    first: str = ""
    last: str = ""
    role: str = "customer"  # customer, supplier, both, none
    status: str = "ACTIVE"
    phone: str = ""
    city: str = ""
    number: str = ""


AU_CONTACTS = (
    ContactSpec("city-agency", BIG_CUSTOMER_NAME, "accounts@cityagency.com.au",
                phone="+61 7 3555 0103", city="Brisbane", number="CUST-0001"),
    ContactSpec("ridgeway", "Ridgeway Univ.", "finance@ridgeway.edu.au",
                phone="+61 2 9555 0101", city="Sydney"),
    ContactSpec("bayside", "Bayside Club Inc", "accounts@baysideclub.com.au",
                phone="+61 3 9555 0102", city="Melbourne"),
    ContactSpec("marine", "Marine Systems", "accounts@marinesystems.com.au",
                phone="+61 8 9555 0105", city="Fremantle", number="CUST-0004"),
    ContactSpec("pmwa", "Petrie McLoud Watson & Associates", "accounts@pmwa.com.au",
                phone="+61 2 9555 0106", city="Parramatta"),
    ContactSpec("young-bros", "Young Bros Transport", "accounts@youngbros.com.au",
                role="both", phone="+61 8 8555 0108", city="Adelaide"),
    ContactSpec("obrien", "O'Brien Plumbing", "accounts@obrienplumbing.com.au",
                phone="+61 2 6255 0111", city="Canberra"),
    ContactSpec("greenfield", "Greenfield Solar", "accounts@greenfieldsolar.com.au",
                phone="+61 2 4955 0115", city="Newcastle"),
    ContactSpec("harbourside", "Harbourside Dental", "accounts@harboursidedental.com.au",
                status="ARCHIVED", city="Manly"),
    ContactSpec("pacific-print", "Pacific Print Co", "accounts@pacificprint.com.au",
                role="supplier", city="Gold Coast"),
    ContactSpec("basket-case", "Basket Case", "accounts@basketcase.com.au", city="Hobart"),
    ContactSpec("carlton", "Carlton Functions", "events@carltonfunctions.com.au",
                city="Carlton"),
    ContactSpec("quoted", 'The "Quoted" Company Pty Ltd', "hello@quoted.com.au"),
    ContactSpec("southern-cross", "Southern Cross Surveying Pty Ltd",
                "office@scsurvey.com.au", city="Cairns"),
    ContactSpec("outback", "Outback Outfitters Pty Ltd", "sales@outbackoutfitters.com.au",
                role="none", city="Alice Springs"),
    ContactSpec("long-name", LONG_NAME, "info@heritagecrafts.org.au", role="none"),
    ContactSpec("sydney-office", "Sydney Office Supplies", "orders@sydneyoffice.com.au",
                role="supplier", city="Sydney"),
    ContactSpec("old-supplier", "Old Printing Supplier (closed)", "", role="supplier",
                status="ARCHIVED"),
    ContactSpec("olivia", "Olivia Smith", "olivia.smith@ridgeway.edu.au", "Olivia", "Smith",
                phone="+61 400 555 100"),
    ContactSpec("liam", "Liam Nguyen", "liam.nguyen@baysideclub.com.au", "Liam", "Nguyen"),
    ContactSpec("charlotte", "Charlotte Williams", "charlotte.williams@cityagency.com.au",
                "Charlotte", "Williams"),
    ContactSpec("amelia", "Amelia Wilson", "amelia.w@marinesystems.com.au", "Amelia",
                "Wilson"),
    ContactSpec("jack", "Jack Tailor", "jack.taylor@pmwa.com.au", "Jack", "Tailor",
                role="none"),
    ContactSpec("sienna", "Sienna O'Neill", "sienna.oneill@obrienplumbing.com.au", "Sienna",
                "O'Neill"),
    ContactSpec("william", "William White", "william.white@youngbros.com.au", "William",
                "White", role="none"),
    ContactSpec("mia", "Mia Martin", "mia.martin@basketcase.com.au", "Mia", "Martin"),
    ContactSpec("chloe", "Chloe Kelly", "chloe.kelly@harboursidedental.com.au", "Chloe",
                "Kelly", status="ARCHIVED", role="none"),
    ContactSpec("siobhan", "Siobhán Ó Súilleabháin", "siobhan.osullivan@example.net",
                "Siobhán", "Ó Súilleabháin"),
)  # fmt: skip

NZ_CONTACTS = (
    ContactSpec("hamilton-smith", "Hamilton Smith Ltd", "accounts@hamiltonsmith.co.nz",
                phone="+64 9 555 0104", city="Auckland", number="NZ-0001"),
    ContactSpec("boom-fm", "Boom FM", "accounts@boomfm.co.nz", phone="+64 4 555 0107",
                city="Wellington"),
    ContactSpec("cafe-umlaut", "Café Ümlaut", "accounts@cafeumlaut.co.nz",
                phone="+64 3 555 0112", city="Christchurch"),
    ContactSpec("kiwi-kitchens", "Kiwi Kitchens Ltd", "accounts@kiwikitchens.co.nz",
                city="Hamilton"),
    ContactSpec("tasman-freight", "Tasman Freight", "accounts@tasmanfreight.co.nz",
                role="both", city="Nelson"),
    ContactSpec("summit-legal", "Summit Legal", "accounts@summitlegal.co.nz",
                status="ARCHIVED", city="Auckland"),
    ContactSpec("wellington-power", "Wellington Power Co", "billing@wellingtonpower.co.nz",
                role="supplier", city="Wellington"),
    ContactSpec("nga-taonga", "Ngā Tāonga Sound & Vision", "kia.ora@ngataonga.org.nz",
                city="Wellington"),
    ContactSpec("city-agency-nz", "City Agency", "nz@cityagency.co.nz", city="Auckland"),
    ContactSpec("noah", "Noah Brown", "noah.brown@hamiltonsmith.co.nz", "Noah", "Brown",
                phone="+64 21 555 103"),
    ContactSpec("isla", "Isla Johnson", "isla.johnson@boomfm.co.nz", "Isla", "Johnson"),
    ContactSpec("aroha", "Aroha Ngata", "aroha.ngata@kiwikitchens.co.nz", "Aroha", "Ngata"),
    ContactSpec("wiremu", "Wiremu Walker", "wiremu.walker@tasmanfreight.co.nz", "Wiremu",
                "Walker", role="none"),
    ContactSpec("max", "Max McLoud", "max.mcloud@cafeumlaut.co.nz", "Max", "McLoud"),
    ContactSpec("zoe", "Zoë Müller", "zoe.muller@example.net", "Zoë", "Müller"),
    ContactSpec("jose", "José García", "jose.garcia@example.net", "José", "García"),
    ContactSpec("tama", "Tama Parata", "tama@parata.co.nz", "Tama", "Parata", role="none"),
    ContactSpec("henry", "Henry Walker", "henry.walker@cafeumlaut.co.nz", "Henry", "Walker",
                status="ARCHIVED", role="none"),
)  # fmt: skip

ORGANISATIONS = (
    {
        "organisation_id": AU_TENANT_ID,
        "name": "Demo Company (AU)",
        "legal_name": "Demo Company (AU) Pty Ltd",
        "short_code": AU_SHORT_CODE,
        "base_currency": "AUD",
        "country_code": "AU",
        "version": "AU",
        "timezone": "AUSEASTERNSTANDARDTIME",
        "tax_rate": Decimal("0.1000"),
        "sales_tax_type": "OUTPUT",
        "purchases_tax_type": "INPUT",
        "position": 0,
        "document": {
            "APIKey": "SANDBOXAUAPIKEY0000000000000001",
            "TaxNumber": "12 345 678 901",
            "RegistrationNumber": "123 456 789",
            "FinancialYearEndDay": 30,
            "FinancialYearEndMonth": 6,
            "SalesTaxBasis": "ACCRUALS",
            "SalesTaxPeriod": "QUARTERLY1",
            "LineOfBusiness": "Consulting and services",
            "PaymentTerms": {
                "Bills": {"Day": 20, "Type": "OFFOLLOWINGMONTH"},
                "Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"},
            },
        },
        "contacts": AU_CONTACTS,
    },
    {
        "organisation_id": NZ_TENANT_ID,
        "name": "Demo Company (NZ)",
        "legal_name": "Demo Company (NZ) Limited",
        "short_code": NZ_SHORT_CODE,
        "base_currency": "NZD",
        "country_code": "NZ",
        "version": "NZ",
        "timezone": "NEWZEALANDSTANDARDTIME",
        "tax_rate": Decimal("0.1500"),
        "sales_tax_type": "OUTPUT2",
        "purchases_tax_type": "INPUT2",
        "position": 1,
        "document": {
            "APIKey": "SANDBOXNZAPIKEY0000000000000002",
            "TaxNumber": "071-138-054",
            "FinancialYearEndDay": 31,
            "FinancialYearEndMonth": 3,
            "SalesTaxBasis": "PAYMENTS",
            "SalesTaxPeriod": "TWOMONTHS",
            "LineOfBusiness": "Consulting and services",
        },
        "contacts": NZ_CONTACTS,
    },
)

USERS = (
    ("Demo", "Admin", ADMIN_EMAIL, TENANT_IDS),
    ("Sam", "Seller", SELLER_EMAIL, TENANT_IDS),
    ("Bea", "Bookkeeper", BOOKKEEPER_EMAIL, (AU_TENANT_ID,)),
)

SALES_LINES = (
    ("Discovery workshop", "1", "2400.00", "200"),
    ("Implementation (days)", "5", "1450.00", "200"),
    ("Training session", "2", "900.00", "260"),
    ("Annual support plan", "1", "5200.00", "200"),
    ("Hardware kit", "4", "349.95", "210"),
    ("Travel and expenses", "1", "640.00", "200"),
)
PURCHASE_LINES = (
    ("Printing and stationery", "1", "312.50", "461"),
    ("Freight", "3", "85.00", "425"),
    ("Office supplies", "2", "129.90", "453"),
    ("Electricity", "1", "742.18", "445"),
)
STATUS_CYCLE = ("AUTHORISED", "PAID", "DRAFT", "PAID", "SUBMITTED", "VOIDED", "PAID", "DELETED")
FOREIGN = ("USD", "EUR", "GBP")
FIRST_DAY = date(2021, 1, 4)
LAST_DAY = date(2026, 10, 30)


@dataclass(frozen=True)
class SeedSummary:
    """How many of each record the sandbox holds after seeding."""

    organisations: int
    contacts: int
    invoices: int
    big_customer_invoices: int
    credit_notes: int = 0

    def __str__(self) -> str:
        return (
            f"{self.organisations} organisations, {self.contacts} contacts, "
            f"{self.invoices} invoices ({self.big_customer_invoices} for {BIG_CUSTOMER_NAME}), "
            f"{self.credit_notes} credit notes"
        )


def seed(big_customer_invoices: int = DEFAULT_BIG_CUSTOMER_INVOICES) -> SeedSummary:
    """Create whatever is missing of the demo data; existing rows are left untouched."""
    _CATALOGUES.clear()
    try:
        return _seed(big_customer_invoices)
    finally:
        _CATALOGUES.clear()


# The reference data each organisation's seeded lines are priced against, loaded once a seed.
_CATALOGUES: dict[int, reference.Catalogue] = {}


def _catalogue(org: Organisation) -> reference.Catalogue:
    if org.pk not in _CATALOGUES:
        _CATALOGUES[org.pk] = reference.Catalogue.load(org)
    return _CATALOGUES[org.pk]


def _seed(big_customer_invoices: int) -> SeedSummary:
    with transaction.atomic():
        orgs = [_organisation(spec) for spec in ORGANISATIONS]
        for org in orgs:
            seed_reference(org, stable_id)
        _users(orgs)
        _app()
        Knobs.objects.get_or_create(pk=1)
        oauth.signing_key()
        for spec, org in zip(ORGANISATIONS, orgs, strict=True):
            by_key = _contacts(org, spec["contacts"])
            _invoices(org, spec["contacts"], by_key)
        _big_customer(orgs[0], big_customer_invoices)
        for spec, org in zip(ORGANISATIONS, orgs, strict=True):
            today = organisations.local_today(org)
            _dated_invoices(org, DATED_INVOICES[spec["organisation_id"]], today)
            _credit_notes(org, CREDIT_NOTES[spec["organisation_id"]], today)
        _mark_roles()
    return SeedSummary(
        organisations=Organisation.objects.count(),
        contacts=Contact.objects.count(),
        invoices=Invoice.objects.count(),
        big_customer_invoices=Invoice.objects.filter(contact__contact_id=BIG_CUSTOMER_ID).count(),
        credit_notes=CreditNote.objects.count(),
    )


def _organisation(spec: dict[str, Any]) -> Organisation:
    fields = {k: v for k, v in spec.items() if k not in ("organisation_id", "contacts")}
    fields["created"] = datetime(2019, 3, 4, 21, 15, tzinfo=UTC)
    org, created = Organisation.objects.get_or_create(
        organisation_id=spec["organisation_id"], defaults=fields
    )
    missing = {k: v for k, v in spec["document"].items() if k not in org.document}
    if not created and missing:  # seeded before these fields existed
        org.document = {**org.document, **missing}
        org.save(update_fields=["document"])
    return org


def _users(orgs: list[Organisation]) -> None:
    by_id = {org.organisation_id: org for org in orgs}
    for position, (first, last, email, tenants) in enumerate(USERS):
        user, created = XeroUser.objects.get_or_create(
            email=email,
            defaults={
                "xero_userid": stable_id("user", email),
                "subject": stable_id("subject", email).hex,
                "first_name": first,
                "last_name": last,
                "position": position,
            },
        )
        if created:
            user.organisations.set([by_id[t] for t in tenants])


def redirect_uris() -> list[str]:
    """The sandbox app's registered redirect URIs: the configured one and the CRM's defaults."""
    uris = [settings.XERO_REDIRECT_URI]
    for host in ("127.0.0.1", "localhost"):
        uris.extend(f"http://{host}:8000{path}" for path in REDIRECT_PATHS)
    return list(dict.fromkeys(uris))


def _app() -> App:
    app, created = App.objects.get_or_create(
        client_id=SANDBOX_CLIENT_ID,
        defaults={
            "client_secret": SANDBOX_CLIENT_SECRET,
            "name": SANDBOX_APP_NAME,
            "redirect_uris": redirect_uris(),
        },
    )
    missing = [uri for uri in redirect_uris() if uri not in app.redirect_uris]
    if not created and missing:
        app.redirect_uris = [*app.redirect_uris, *missing]
        app.save(update_fields=["redirect_uris"])
    return app


def _updated(day: date, offset_minutes: int = 0) -> datetime:
    return datetime.combine(day, time(9, 30), tzinfo=UTC) + timedelta(minutes=offset_minutes)


def _contact_document(spec: ContactSpec) -> dict[str, Any]:
    phones = [
        {"PhoneType": "DEFAULT", "PhoneNumber": "" if spec.first else spec.phone},
        {"PhoneType": "MOBILE", "PhoneNumber": spec.phone if spec.first else ""},
    ]
    addresses = [{"AddressType": "STREET", "City": spec.city}, {"AddressType": "POBOX"}]
    errors: list[str] = []
    return {
        "Phones": contacts.merge_typed(
            [], phones, "PhoneType", contacts.PHONE_TYPES, contacts.PHONE_FIELDS, errors
        ),
        "Addresses": contacts.merge_typed(
            [], addresses, "AddressType", contacts.ADDRESS_TYPES, contacts.ADDRESS_FIELDS, errors
        ),
        "ContactPersons": [],
    }


# Sales settings of some contacts (what an invoice draft defaults from): payment terms, default
# currency, default line amount type, default sales tax.
CONTACT_SETTINGS: dict[str, dict[str, Any]] = {
    "city-agency": {"PaymentTerms": {"Sales": {"Day": 14, "Type": "DAYSAFTERBILLDATE"}}},
    "marine": {"PaymentTerms": {"Sales": {"Day": 30, "Type": "DAYSAFTERBILLMONTH"}},
               "SalesDefaultLineAmountType": "INCLUSIVE"},
    "ridgeway": {"PaymentTerms": {"Sales": {"Day": 7, "Type": "DAYSAFTERBILLDATE"}},
                 "AccountsReceivableTaxType": "EXEMPTOUTPUT"},
    "greenfield": {"DefaultCurrency": "USD", "SalesDefaultLineAmountType": "EXCLUSIVE"},
    "bayside": {"SalesDefaultLineAmountType": "NONE"},
    "young-bros": {"PaymentTerms": {"Sales": {"Day": 25, "Type": "OFCURRENTMONTH"},
                                    "Bills": {"Day": 15, "Type": "OFFOLLOWINGMONTH"}}},
    "boom-fm": {"PaymentTerms": {"Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"}}},
    "hamilton-smith": {"DefaultCurrency": "AUD"},
    "cafe-umlaut": {"SalesDefaultLineAmountType": "INCLUSIVE"},
}  # fmt: skip


def _contact_settings(contact: Contact, key: str) -> None:
    settings_ = CONTACT_SETTINGS.get(key, {})
    for name, value in settings_.items():
        if name == "DefaultCurrency":
            contact.default_currency = value
        else:
            contact.document[name] = value


def _contacts(org: Organisation, specs: tuple[ContactSpec, ...]) -> dict[str, Contact]:
    rows = []
    for index, spec in enumerate(specs):
        contact = Contact(
            organisation=org,
            contact_id=stable_id(org.organisation_id, "contact", spec.key),
            name=spec.name,
            first_name=spec.first,
            last_name=spec.last,
            email=spec.email,
            contact_number=spec.number,
            status=spec.status,
            updated=_updated(date(2024, 2, 1) + timedelta(days=index * 9), index),
            document=_contact_document(spec),
        )
        _contact_settings(contact, spec.key)
        rows.append(contacts.fill_columns(contact))
    Contact.objects.bulk_create(rows, ignore_conflicts=True)
    ids = {row.contact_id: spec.key for row, spec in zip(rows, specs, strict=True)}
    saved = {ids[c.contact_id]: c for c in Contact.objects.filter(contact_id__in=ids)}
    for key, contact in saved.items():  # contacts seeded before these settings existed
        wanted = CONTACT_SETTINGS.get(key, {})
        stale = any(n not in contact.document for n in wanted if n != "DefaultCurrency") or (
            "DefaultCurrency" in wanted and not contact.default_currency
        )
        if stale:
            _contact_settings(contact, key)
            contact.save(update_fields=["document", "default_currency"])
    return saved


def _lines(org: Organisation, kind: str, rng: random.Random, count: int) -> list[dict[str, Any]]:
    catalogue = SALES_LINES if kind == "ACCREC" else PURCHASE_LINES
    picked = rng.sample(catalogue, count)
    errors: list[str] = []
    lines = []
    for description, quantity, unit, account in picked:
        raw = {"Description": description, "Quantity": quantity, "UnitAmount": unit,
               "AccountCode": account}  # fmt: skip
        raw["LineItemID"] = str(stable_id(org.organisation_id, "line", rng.random()))
        lines.append(invoices.price_line(_catalogue(org), raw, kind, "Exclusive", 2, errors))
    return lines


def _make_invoice(
    org: Organisation,
    contact: Contact,
    key: str,
    *,
    kind: str,
    status: str,
    day: date,
    number: str,
    currency: str,
    rng: random.Random,
) -> Invoice:
    """One seeded invoice with consistent totals, payments and dates."""
    reference = f"PO-{rng.randint(1000, 9999)}" if kind == "ACCREC" and rng.random() < 0.6 else ""
    invoice = _new_invoice(
        org, contact, key, kind=kind, status=status, day=day, number=number, currency=currency
    )
    invoice.reference = reference
    _set_lines(invoice, _lines(org, kind, rng, 1 + rng.randrange(3)))
    paid_on = day + timedelta(days=rng.randint(5, 40))
    if status == "PAID":
        invoice.status = "AUTHORISED"
        _pay(invoice, invoice.total, paid_on, key)
    elif status == "AUTHORISED" and rng.random() < 0.3:
        _pay(invoice, invoices.round_cents(invoice.total / 2), paid_on, key)
    invoice.updated = _updated(paid_on if status == "PAID" else day, rng.randint(0, 600))
    invoice.search_text = invoices.search_text(invoice)
    return invoice


def _new_invoice(
    org: Organisation,
    contact: Contact,
    key: str,
    *,
    kind: str,
    status: str,
    day: date,
    number: str,
    currency: str,
) -> Invoice:
    """A seeded invoice without lines, due 30 days after its date."""
    return Invoice(
        organisation=org,
        invoice_id=stable_id(org.organisation_id, "invoice", key),
        contact=contact,
        type=kind,
        status=status,
        number=number,
        date=day,
        due_date=day + timedelta(days=30),
        currency=currency,
        currency_rate=invoices.currency_rate(org, currency),
        line_amount_types="Exclusive",
        amount_paid=Decimal("0.00"),
        amount_credited=Decimal("0.00"),
        sent_to_contact=status in ("AUTHORISED", "PAID"),
        document={},
    )


def _set_lines(row: Invoice | CreditNote, lines: list[dict[str, Any]]) -> None:
    row.document["LineItems"] = lines
    invoices.line_totals(row, lines)
    if isinstance(row, Invoice):
        invoices.settle(row)


def _pay(invoice: Invoice, amount: Decimal, day: date, key: str) -> None:
    payment_id = stable_id(invoice.organisation.organisation_id, "payment", key)
    invoices.add_payment(invoice, amount, day, payment_id)


def _invoices(
    org: Organisation, specs: tuple[ContactSpec, ...], by_key: dict[str, Contact]
) -> None:
    """A handful of invoices and bills for every contact with a role (not the big customer)."""
    rng = random.Random(f"seed:{org.organisation_id}")
    rows, sales_number, cycle = [], 0, 0
    span = (LAST_DAY - FIRST_DAY).days
    for spec in specs:
        if spec.key == "city-agency" or spec.role == "none":
            continue
        kinds = {"customer": ["ACCREC"], "supplier": ["ACCPAY"], "both": ["ACCREC", "ACCPAY"]}
        for kind in kinds[spec.role]:
            for n in range(2 + rng.randrange(3)):
                status = STATUS_CYCLE[cycle % len(STATUS_CYCLE)]
                currency = FOREIGN[cycle % 3] if cycle % 5 == 4 else org.base_currency
                cycle += 1
                if kind == "ACCREC":
                    sales_number += 1
                    number = f"INV-{sales_number:04d}"
                else:
                    number = f"{spec.key[:3].upper()}-{rng.randint(1000, 9999)}"
                rows.append(
                    _make_invoice(
                        org,
                        by_key[spec.key],
                        f"{spec.key}:{kind}:{n}",
                        kind=kind,
                        status=status,
                        day=FIRST_DAY + timedelta(days=rng.randrange(span)),
                        number=number,
                        currency=currency,
                        rng=rng,
                    )
                )
    Invoice.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)


def _big_status(i: int, count: int) -> str:
    """Mostly PAID; the newest tenth AUTHORISED or DRAFT; a few VOIDED and DELETED."""
    if i % 97 == 96:
        return "VOIDED"
    if i % 151 == 150:
        return "DELETED"
    if i >= count - max(1, count // 10):
        return "DRAFT" if i % 7 == 0 else "AUTHORISED"
    if i % 53 == 52:
        return "SUBMITTED"
    return "PAID"


def _big_customer(org: Organisation, count: int) -> None:
    """City Agency's invoices, spread evenly from 2020 to late 2026 (paging matters here)."""
    contact = Contact.objects.get(contact_id=BIG_CUSTOMER_ID)
    invoice_history(org, contact, count, key="city-agency", first_number=101)


def invoice_history(
    org: Organisation, contact: Contact, count: int, *, key: str, first_number: int
) -> None:
    """`count` sales invoices for a contact, spread evenly from 2020 to late 2026; numbered
    INV-{first_number} on; mostly paid, the newest tenth awaiting payment or draft."""
    existing = set(Invoice.objects.filter(contact=contact).values_list("invoice_id", flat=True))
    start, span = date(2020, 1, 6), (LAST_DAY - date(2020, 1, 6)).days
    rows = []
    for i in range(count):
        row_key = f"{key}:{i}"
        if stable_id(org.organisation_id, "invoice", row_key) in existing:
            continue
        rng = random.Random(f"big:{i}" if key == "city-agency" else f"{key}:{i}")
        rows.append(
            _make_invoice(
                org,
                contact,
                row_key,
                kind="ACCREC",
                status=_big_status(i, count),
                day=start + timedelta(days=i * span // max(count, 1)),
                number=f"INV-{first_number + i:04d}",
                currency="USD" if i % 25 == 24 else org.base_currency,
                rng=rng,
            )
        )
    Invoice.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)


def _mark_roles() -> None:
    """IsCustomer / IsSupplier from the invoices and bills each contact has."""
    for kind, column in (("ACCREC", "is_customer"), ("ACCPAY", "is_supplier")):
        with_kind = Invoice.objects.filter(type=kind).values("contact_id")
        Contact.objects.filter(pk__in=with_kind, **{column: False}).update(**{column: True})


# ------------------------------------------------------------- receivables relative to today
#
# The invoices above are dated in a fixed past; these are dated relative to the day of seeding
# (in the organisation's timezone), so that every ageing bucket has invoices whenever the demo
# runs: not yet due, 1-30 (including due exactly 30 days ago), 31-60 (including exactly 31),
# 61-90 and over 90 days past DueDate, part paid ones, recently paid ones (FullyPaidOnDate) and
# credit notes. Ids derive from each row's key, so seeding again on a later day adds nothing.

CREDIT_LINES = (
    ("Service credit", "1", "250.00", "200"),
    ("Returned hardware kit", "1", "349.95", "210"),
    ("Discount on training", "1", "450.00", "260"),
    ("Goodwill credit", "1", "1000.00", "200"),
)
PURCHASE_CREDIT_LINES = (
    ("Freight overcharge", "1", "85.00", "425"),
    ("Returned office supplies", "2", "129.90", "453"),
)


@dataclass(frozen=True)
class DatedInvoice:
    """An invoice (ACCREC) or bill (ACCPAY) dated `past_due + 30` days before today and due 30
    days after its date. `paid` is the fraction of Total paid `paid_after` days after the date
    ("1": paid in full, so PAID with FullyPaidOnDate)."""

    key: str
    contact: str
    past_due: int
    line: int
    kind: str = "ACCREC"
    quantity: str = ""
    paid: str = "0"
    paid_after: int = 20
    currency: str = ""
    status: str = "AUTHORISED"


@dataclass(frozen=True)
class DatedCreditNote:
    """A credit note dated `days_ago` before today; `allocations` apply a fraction of its total
    to seeded invoices (by key) on its date; `refunded` pays out the remaining credit."""

    key: str
    contact: str
    days_ago: int
    line: int
    kind: str = "ACCRECCREDIT"
    status: str = "AUTHORISED"
    allocations: tuple[tuple[str, str], ...] = ()
    refunded: bool = False
    currency: str = ""


DATED_INVOICES = {
    AU_TENANT_ID: (
        DatedInvoice("obrien:current", "obrien", -10, 1),
        DatedInvoice("obrien:due-today", "obrien", 0, 0),
        DatedInvoice("obrien:1", "obrien", 1, 2),
        DatedInvoice("obrien:30", "obrien", 30, 0, paid="0.4"),
        DatedInvoice("obrien:31", "obrien", 31, 5),
        DatedInvoice("obrien:45", "obrien", 45, 3, paid="0.5"),
        DatedInvoice("obrien:60", "obrien", 60, 2),
        DatedInvoice("obrien:61", "obrien", 61, 0),
        DatedInvoice("obrien:90", "obrien", 90, 4),
        DatedInvoice("obrien:91", "obrien", 91, 5),
        DatedInvoice("obrien:150", "obrien", 150, 1, paid="0.25", paid_after=60),
        DatedInvoice("obrien:usd-20", "obrien", 20, 3, currency="USD"),
        DatedInvoice("obrien:usd-75", "obrien", 75, 0, currency="USD", paid="0.5"),
        DatedInvoice("obrien:draft", "obrien", -25, 2, status="DRAFT"),
        DatedInvoice("obrien:paid-1", "obrien", 170, 0, paid="1", paid_after=12),
        DatedInvoice("obrien:paid-2", "obrien", 120, 2, paid="1", paid_after=25),
        DatedInvoice("obrien:paid-3", "obrien", 60, 3, paid="1", paid_after=33),
        DatedInvoice("obrien:paid-4", "obrien", 20, 5, paid="1", paid_after=41),
        DatedInvoice("obrien:voided", "obrien", 40, 1, status="VOIDED"),
        DatedInvoice("marine:5", "marine", 5, 1),
        DatedInvoice("marine:33", "marine", 33, 0, paid="0.5"),
        DatedInvoice("marine:95", "marine", 95, 3),
        DatedInvoice("marine:paid", "marine", 40, 4, paid="1", paid_after=28),
        DatedInvoice("young-bros:bill-current", "young-bros", -5, 0, kind="ACCPAY"),
        DatedInvoice("young-bros:bill-15", "young-bros", 15, 1, kind="ACCPAY", quantity="12"),
        DatedInvoice("young-bros:bill-40", "young-bros", 40, 3, kind="ACCPAY", paid="0.5"),
        DatedInvoice("young-bros:bill-75", "young-bros", 75, 2, kind="ACCPAY"),
        DatedInvoice("young-bros:bill-120", "young-bros", 120, 3, kind="ACCPAY"),
        DatedInvoice("young-bros:30", "young-bros", 30, 5),
        DatedInvoice("young-bros:31", "young-bros", 31, 0),
    ),
    NZ_TENANT_ID: (
        DatedInvoice("cafe:current", "cafe-umlaut", -3, 0),
        DatedInvoice("cafe:12", "cafe-umlaut", 12, 2, paid="0.3"),
        DatedInvoice("cafe:30", "cafe-umlaut", 30, 5),
        DatedInvoice("cafe:31", "cafe-umlaut", 31, 1),
        DatedInvoice("cafe:70", "cafe-umlaut", 70, 3),
        DatedInvoice("cafe:100", "cafe-umlaut", 100, 4, paid="0.5"),
        DatedInvoice("cafe:aud-8", "cafe-umlaut", 8, 0, currency="AUD"),
        DatedInvoice("cafe:gbp-50", "cafe-umlaut", 50, 2, currency="GBP"),
        DatedInvoice("cafe:paid-1", "cafe-umlaut", 200, 1, paid="1", paid_after=9),
        DatedInvoice("cafe:paid-2", "cafe-umlaut", 90, 2, paid="1", paid_after=30),
        DatedInvoice("cafe:paid-3", "cafe-umlaut", 20, 0, paid="1", paid_after=45),
        DatedInvoice("tasman:bill-10", "tasman-freight", 10, 0, kind="ACCPAY"),
        DatedInvoice("tasman:bill-95", "tasman-freight", 95, 3, kind="ACCPAY", paid="0.5"),
        DatedInvoice("tasman:61", "tasman-freight", 61, 4),
    ),
}

CREDIT_NOTES = {
    AU_TENANT_ID: (
        DatedCreditNote("obrien:open", "obrien", 8, 0),
        DatedCreditNote("obrien:part", "obrien", 20, 3, allocations=(("obrien:45", "0.5"),)),
        DatedCreditNote("obrien:applied", "obrien", 50, 2, status="PAID",
                        allocations=(("obrien:150", "1"),)),
        DatedCreditNote("obrien:split", "obrien", 15, 1, status="PAID",
                        allocations=(("obrien:61", "0.6"), ("obrien:91", "0.4"))),
        DatedCreditNote("obrien:voided", "obrien", 35, 1, status="VOIDED"),
        DatedCreditNote("obrien:draft", "obrien", 2, 0, status="DRAFT"),
        DatedCreditNote("obrien:usd", "obrien", 18, 0, currency="USD"),
        DatedCreditNote("city-agency:open", "city-agency", 25, 3),
        DatedCreditNote("city-agency:refunded", "city-agency", 140, 1, status="PAID",
                        refunded=True),
        DatedCreditNote("city-agency:voided", "city-agency", 70, 0, status="VOIDED"),
        DatedCreditNote("marine:applied", "marine", 30, 0, status="PAID",
                        allocations=(("marine:33", "1"),)),
        DatedCreditNote("young-bros:supplier-open", "young-bros", 12, 0, kind="ACCPAYCREDIT"),
        DatedCreditNote("young-bros:supplier-applied", "young-bros", 60, 1,
                        kind="ACCPAYCREDIT", status="PAID",
                        allocations=(("young-bros:bill-120", "1"),)),
        DatedCreditNote("young-bros:customer", "young-bros", 5, 0),
        DatedCreditNote("pacific-print:open", "pacific-print", 40, 1, kind="ACCPAYCREDIT"),
    ),
    NZ_TENANT_ID: (
        DatedCreditNote("cafe:open", "cafe-umlaut", 6, 2),
        DatedCreditNote("cafe:applied", "cafe-umlaut", 40, 0, status="PAID",
                        allocations=(("cafe:70", "1"),)),
        DatedCreditNote("cafe:voided", "cafe-umlaut", 22, 1, status="VOIDED"),
        DatedCreditNote("tasman:supplier-open", "tasman-freight", 9, 1, kind="ACCPAYCREDIT"),
    ),
}  # fmt: skip


def _stamp(day: date, offset_minutes: int = 0) -> datetime:
    """When a dated row last changed: that day at 9:30 UTC, or now if that is still to come
    (a day in the organisation's timezone may not have begun in UTC yet)."""
    return min(_updated(day, offset_minutes), timezone.now())


def _by_key(org: Organisation) -> dict[str, Contact]:
    specs = next(
        s["contacts"] for s in ORGANISATIONS if s["organisation_id"] == org.organisation_id
    )
    ids = {stable_id(org.organisation_id, "contact", spec.key): spec.key for spec in specs}
    return {ids[c.contact_id]: c for c in Contact.objects.filter(contact_id__in=ids)}


def _priced(org: Organisation, key: str, kind: str, index: int, quantity: str = "") -> list:
    """One line item from the catalogue of the document's kind (a stable LineItemID)."""
    catalogue = {
        "ACCREC": SALES_LINES,
        "ACCPAY": PURCHASE_LINES,
        "ACCRECCREDIT": CREDIT_LINES,
        "ACCPAYCREDIT": PURCHASE_CREDIT_LINES,
    }[kind]
    description, default_quantity, unit, account = catalogue[index]
    raw = {"Description": description, "Quantity": quantity or default_quantity,
           "UnitAmount": unit, "AccountCode": account,
           "LineItemID": str(stable_id(org.organisation_id, "line", key))}  # fmt: skip
    return [invoices.price_line(_catalogue(org), raw, kind, "Exclusive", 2, [])]


def _dated_invoices(org: Organisation, specs: tuple[DatedInvoice, ...], today: date) -> None:
    """The invoices and bills dated relative to today (numbered INV-8001 on in each tenant)."""
    contacts_by_key = _by_key(org)
    rows, sales = [], 8000
    for spec in specs:
        due = today - timedelta(days=spec.past_due)
        day = due - timedelta(days=30)
        if spec.kind == "ACCREC":
            sales += 1
            number = f"INV-{sales}"
        else:
            number = f"{spec.contact[:3].upper()}-B{spec.past_due + 500:03d}"
        invoice = _new_invoice(
            org,
            contacts_by_key[spec.contact],
            f"dated:{spec.key}",
            kind=spec.kind,
            status=spec.status,
            day=day,
            number=number,
            currency=spec.currency or org.base_currency,
        )
        _set_lines(invoice, _priced(org, spec.key, spec.kind, spec.line, spec.quantity))
        paid_on = min(day + timedelta(days=spec.paid_after), today)
        if Decimal(spec.paid):
            amount = invoices.round_cents(invoice.total * Decimal(spec.paid))
            _pay(invoice, amount, paid_on, f"dated:{spec.key}")
        invoices.settle(invoice)
        invoice.updated = _stamp(paid_on if invoice.amount_paid else day)
        invoice.search_text = invoices.search_text(invoice)
        rows.append(invoice)
    Invoice.objects.bulk_create(rows, ignore_conflicts=True)


def _credit_notes(org: Organisation, specs: tuple[DatedCreditNote, ...], today: date) -> None:
    """Credit notes dated relative to today, with their allocations (made once, when the
    credit note is first seeded); sales ones numbered CN-8001 on."""
    contacts_by_key = _by_key(org)
    existing = set(CreditNote.objects.values_list("credit_note_id", flat=True))
    number = 8000
    for spec in specs:
        number += spec.kind == "ACCRECCREDIT"
        note_id = stable_id(org.organisation_id, "credit-note", spec.key)
        if note_id in existing:
            continue
        day = today - timedelta(days=spec.days_ago)
        currency = spec.currency or org.base_currency
        note = CreditNote(
            organisation=org,
            credit_note_id=note_id,
            contact=contacts_by_key[spec.contact],
            type=spec.kind,
            status="AUTHORISED" if spec.allocations or spec.refunded else spec.status,
            number=f"CN-{number}" if spec.kind == "ACCRECCREDIT" else f"SC-{spec.days_ago:04d}",
            reference=f"Credit for {spec.key.split(':')[1]}" if spec.kind == "ACCRECCREDIT" else "",
            date=day,
            currency=currency,
            currency_rate=invoices.currency_rate(org, currency),
            sent_to_contact=spec.status in ("AUTHORISED", "PAID"),
            updated=_stamp(day),
            document={},
        )
        _set_lines(note, _priced(org, spec.key, spec.kind, spec.line))
        creditnotes.settle(note, Decimal("0"))
        if spec.refunded:
            _refund(note, day + timedelta(days=7), spec.key)
        note.search_text = invoices.search_text(note)
        note.save()
        for invoice_key, fraction in spec.allocations:
            invoice = Invoice.objects.get(
                invoice_id=stable_id(org.organisation_id, "invoice", f"dated:{invoice_key}")
            )
            amount = invoices.round_cents(note.total * Decimal(fraction))
            if spec.status == "PAID" and invoice_key == spec.allocations[-1][0]:
                amount = note.remaining_credit  # the last allocation uses up the credit
            creditnotes.allocate(
                note,
                invoice,
                amount,
                day,
                allocation_id=stable_id(note_id, "allocation", invoice_key),
                when=_stamp(day, 5),
            )


def _refund(note: CreditNote, day: date, key: str) -> None:
    """Pay the credit note's remaining credit back to the contact (a cash refund)."""
    refund_id = stable_id(note.organisation.organisation_id, "refund", key)
    note.document["Payments"] = [
        invoices.payment_record(refund_id, day, note.remaining_credit, note.currency_rate)
    ]
    note.remaining_credit = Decimal("0.00")
    note.status, note.fully_paid_on_date, note.updated = "PAID", day, _stamp(day)
