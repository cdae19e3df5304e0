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

from sandbox import contacts, invoices, oauth
from sandbox.models import App, Contact, Invoice, Knobs, Organisation, XeroUser

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

    def __str__(self) -> str:
        return (
            f"{self.organisations} organisations, {self.contacts} contacts, "
            f"{self.invoices} invoices ({self.big_customer_invoices} for {BIG_CUSTOMER_NAME})"
        )


def seed(big_customer_invoices: int = DEFAULT_BIG_CUSTOMER_INVOICES) -> SeedSummary:
    """Create whatever is missing of the demo data; existing rows are left untouched."""
    with transaction.atomic():
        orgs = [_organisation(spec) for spec in ORGANISATIONS]
        _users(orgs)
        _app()
        Knobs.objects.get_or_create(pk=1)
        oauth.signing_key()
        for spec, org in zip(ORGANISATIONS, orgs, strict=True):
            by_key = _contacts(org, spec["contacts"])
            _invoices(org, spec["contacts"], by_key)
        _big_customer(orgs[0], big_customer_invoices)
        _mark_roles()
    return SeedSummary(
        organisations=Organisation.objects.count(),
        contacts=Contact.objects.count(),
        invoices=Invoice.objects.count(),
        big_customer_invoices=Invoice.objects.filter(contact__contact_id=BIG_CUSTOMER_ID).count(),
    )


def _organisation(spec: dict[str, Any]) -> Organisation:
    fields = {k: v for k, v in spec.items() if k not in ("organisation_id", "contacts")}
    fields["created"] = datetime(2019, 3, 4, 21, 15, tzinfo=UTC)
    org, _ = Organisation.objects.get_or_create(
        organisation_id=spec["organisation_id"], defaults=fields
    )
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
        rows.append(contacts.fill_columns(contact))
    Contact.objects.bulk_create(rows, ignore_conflicts=True)
    ids = {row.contact_id: spec.key for row, spec in zip(rows, specs, strict=True)}
    saved = Contact.objects.filter(contact_id__in=ids)
    return {ids[c.contact_id]: c for c in saved}


def _lines(org: Organisation, kind: str, rng: random.Random, count: int) -> list[dict[str, Any]]:
    catalogue = SALES_LINES if kind == "ACCREC" else PURCHASE_LINES
    picked = rng.sample(catalogue, count)
    errors: list[str] = []
    lines = []
    for description, quantity, unit, account in picked:
        raw = {"Description": description, "Quantity": quantity, "UnitAmount": unit,
               "AccountCode": account}  # fmt: skip
        raw["LineItemID"] = str(stable_id(org.organisation_id, "line", rng.random()))
        lines.append(invoices.price_line(org, raw, kind, "Exclusive", 2, errors))
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
    invoice = Invoice(
        organisation=org,
        invoice_id=stable_id(org.organisation_id, "invoice", key),
        contact=contact,
        type=kind,
        status=status,
        number=number,
        reference=f"PO-{rng.randint(1000, 9999)}"
        if kind == "ACCREC" and rng.random() < 0.6
        else "",
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
    lines = _lines(org, kind, rng, 1 + rng.randrange(3))
    invoice.document["LineItems"] = lines
    invoices.apply_totals(invoice, lines)
    paid_on = day + timedelta(days=rng.randint(5, 40))
    if status == "PAID":
        _pay(invoice, invoice.total, paid_on, key)
        invoice.fully_paid_on_date = paid_on
    elif status == "AUTHORISED" and rng.random() < 0.3:
        _pay(invoice, invoices.round_cents(invoice.total / 2), paid_on, key)
    invoices.settle(invoice)
    invoice.updated = _updated(paid_on if status == "PAID" else day, rng.randint(0, 600))
    invoice.search_text = invoices.search_text(invoice)
    return invoice


def _pay(invoice: Invoice, amount: Decimal, day: date, key: str) -> None:
    invoice.amount_paid = amount
    invoice.document["Payments"] = [
        {
            "PaymentID": str(stable_id(invoice.organisation.organisation_id, "payment", key)),
            "Date": day.isoformat(),
            "Amount": str(amount),
            "CurrencyRate": str(invoice.currency_rate),
        }
    ]


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
