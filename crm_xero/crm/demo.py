"""The demo CRM: about 20 organizations, 40 contacts, 15 opportunities and 10 projects.

Some names and emails match the built-in Xero sandbox's contacts, so the Xero tab has something to
find; a few almost match.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from crm_xero.crm.models import Contact, Opportunity, OpportunityLineItem, Organization, Project

# name, email domain, phone, city, region, postcode, country, street
ORGANIZATIONS = [
    (
        "Ridgeway University",
        "ridgeway.edu.au",
        "+61 2 9555 0101",
        "Sydney",
        "NSW",
        "2000",
        "Australia",
        "12 College Rd",
    ),
    (
        "Bayside Club",
        "baysideclub.com.au",
        "+61 3 9555 0102",
        "Melbourne",
        "VIC",
        "3000",
        "Australia",
        "88 Beach Parade",
    ),
    (
        "City Agency",
        "cityagency.com.au",
        "+61 7 3555 0103",
        "Brisbane",
        "QLD",
        "4000",
        "Australia",
        "1 Queen St",
    ),
    (
        "Hamilton Smith Ltd",
        "hamiltonsmith.co.nz",
        "+64 9 555 0104",
        "Auckland",
        "",
        "1010",
        "New Zealand",
        "44 Victoria St W",
    ),
    (
        "Marine Systems",
        "marinesystems.com.au",
        "+61 8 9555 0105",
        "Fremantle",
        "WA",
        "6160",
        "Australia",
        "3 Harbour Way",
    ),
    (
        "Petrie McLoud Watson & Associates",
        "pmwa.com.au",
        "+61 2 9555 0106",
        "Parramatta",
        "NSW",
        "2150",
        "Australia",
        "220 Church St",
    ),
    (
        "Boom FM",
        "boomfm.co.nz",
        "+64 4 555 0107",
        "Wellington",
        "",
        "6011",
        "New Zealand",
        "15 Cuba St",
    ),
    (
        "Young Bros Transport",
        "youngbros.com.au",
        "+61 8 8555 0108",
        "Adelaide",
        "SA",
        "5000",
        "Australia",
        "9 Port Rd",
    ),
    (
        "Basket Case",
        "basketcase.com.au",
        "+61 3 6255 0109",
        "Hobart",
        "TAS",
        "7000",
        "Australia",
        "71 Salamanca Pl",
    ),
    (
        "Carlton Functions",
        "carltonfunctions.com.au",
        "+61 3 9555 0110",
        "Carlton",
        "VIC",
        "3053",
        "Australia",
        "5 Lygon St",
    ),
    (
        "O'Brien Plumbing",
        "obrienplumbing.com.au",
        "+61 2 6255 0111",
        "Canberra",
        "ACT",
        "2600",
        "Australia",
        "18 Northbourne Ave",
    ),
    (
        "Café Ümlaut",
        "cafeumlaut.co.nz",
        "+64 3 555 0112",
        "Christchurch",
        "",
        "8011",
        "New Zealand",
        "2 Colombo St",
    ),
    (
        "Kiwi Kitchens",
        "kiwikitchens.co.nz",
        "+64 7 555 0113",
        "Hamilton",
        "",
        "3204",
        "New Zealand",
        "60 Victoria St",
    ),
    (
        "Southern Cross Surveying",
        "scsurvey.com.au",
        "+61 7 4555 0114",
        "Cairns",
        "QLD",
        "4870",
        "Australia",
        "33 Lake St",
    ),
    (
        "Greenfield Solar",
        "greenfieldsolar.com.au",
        "+61 2 4955 0115",
        "Newcastle",
        "NSW",
        "2300",
        "Australia",
        "7 Hunter St",
    ),
    (
        "Tasman Freight",
        "tasmanfreight.co.nz",
        "+64 3 555 0116",
        "Nelson",
        "",
        "7010",
        "New Zealand",
        "101 Trafalgar St",
    ),
    (
        "Harbourside Dental",
        "harboursidedental.com.au",
        "+61 2 9555 0117",
        "Manly",
        "NSW",
        "2095",
        "Australia",
        "4 The Corso",
    ),
    (
        "Outback Outfitters",
        "outbackoutfitters.com.au",
        "+61 8 8955 0118",
        "Alice Springs",
        "NT",
        "0870",
        "Australia",
        "27 Todd Mall",
    ),
    (
        "Pacific Print Co",
        "pacificprint.com.au",
        "+61 7 5555 0119",
        "Gold Coast",
        "QLD",
        "4217",
        "Australia",
        "12 Surfers Blvd",
    ),
    (
        "Summit Legal",
        "summitlegal.co.nz",
        "+64 9 555 0120",
        "Auckland",
        "",
        "1010",
        "New Zealand",
        "1 Shortland St",
    ),
]

FIRST_NAMES = [
    "Olivia",
    "Liam",
    "Charlotte",
    "Noah",
    "Amelia",
    "Jack",
    "Isla",
    "William",
    "Mia",
    "Oliver",
    "Ava",
    "Henry",
    "Grace",
    "Leo",
    "Sophie",
    "Lucas",
    "Chloe",
    "Thomas",
    "Ruby",
    "James",
    "Zoe",
    "Ethan",
    "Harper",
    "Mason",
    "Ella",
    "Hugo",
    "Matilda",
    "Archie",
    "Ivy",
    "Finn",
    "Sienna",
    "Max",
    "Aroha",
    "Tama",
    "Mere",
    "Wiremu",
    "Siobhán",
    "Seán",
    "Zoë",
    "José",
]
LAST_NAMES = [
    "Smith",
    "Nguyen",
    "Williams",
    "Brown",
    "Wilson",
    "Taylor",
    "Johnson",
    "White",
    "Martin",
    "Anderson",
    "Thompson",
    "Walker",
    "Harris",
    "Lee",
    "Ryan",
    "Robinson",
    "Kelly",
    "King",
    "Davies",
    "Wright",
    "Clarke",
    "Hall",
    "Young",
    "Mitchell",
    "Campbell",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Parker",
    "O'Neill",
    "McLoud",
    "Ngata",
    "Parata",
    "Tuhoe",
    "Walker",
    "Ó Súilleabháin",
    "Dupré",
    "Müller",
    "García",
]

# (description, quantity, unit price, Xero account code, Xero item code): the sandbox's items.
SERVICES = [
    ("Discovery workshop", Decimal("1"), Decimal("2400.00"), "200", "DISCOVERY"),
    ("Implementation (days)", Decimal("10"), Decimal("1450.00"), "200", "IMPL-DAY"),
    ("Training session", Decimal("2"), Decimal("900.00"), "260", "TRAINING"),
    ("Annual support plan", Decimal("1"), Decimal("5200.00"), "200", "SUPPORT-ANNUAL"),
    ("Hardware kit", Decimal("4"), Decimal("349.95"), "210", "HW-KIT"),
    ("Travel and expenses", Decimal("1"), Decimal("640.00"), "", "TRAVEL"),
]

OPPORTUNITIES = [
    "Campus-wide rollout",
    "Member portal refresh",
    "Agency retainer 2027",
    "Fleet tracking pilot",
    "Vessel telemetry upgrade",
    "Practice management migration",
    "Studio equipment",
    "Route planning",
    "Gift hamper season",
    "Venue booking system",
    "Service van outfit",
    "Point of sale upgrade",
    "Kitchen design package",
    "Drone survey contract",
    "Rooftop array phase 2",
]

PROJECTS = [
    "Onboarding",
    "Data migration",
    "Website rebuild",
    "Staff training",
    "Network upgrade",
    "Quarterly review",
    "Compliance audit",
    "Warehouse fit-out",
    "Brand refresh",
    "Support handover",
]


@dataclass
class SeedResult:
    organizations: int
    contacts: int
    opportunities: int
    projects: int


def _slug(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


@transaction.atomic
def seed_demo(*, today: date) -> SeedResult:
    """Create the demo records that are missing; running it again creates nothing new."""
    orgs: list[Organization] = []
    for name, domain, phone, city, region, postcode, country, street in ORGANIZATIONS:
        org, _ = Organization.objects.get_or_create(
            name=name,
            defaults=dict(
                email=f"accounts@{domain}",
                phone=phone,
                website=f"https://www.{domain}",
                address_line1=street,
                city=city,
                region=region,
                postal_code=postcode,
                country=country,
            ),
        )
        orgs.append(org)

    contacts: list[Contact] = []
    for i, (first, last) in enumerate(zip(FIRST_NAMES, LAST_NAMES, strict=True)):
        org = orgs[i % len(orgs)] if i < 36 else None  # four people without an organization
        domain = ORGANIZATIONS[i % len(orgs)][1] if org else "example.net"
        contact, _ = Contact.objects.get_or_create(
            email=f"{_slug(first)}.{_slug(last)}@{domain}",
            defaults=dict(
                first_name=first,
                last_name=last,
                organization=org,
                phone=org.phone if org else "",
                mobile=f"+61 4{i:02d} 555 {100 + i}",
                city=org.city if org else "",
                country=org.country if org else "",
            ),
        )
        contacts.append(contact)

    stages = (
        [Opportunity.Stage.OPEN] * 9 + [Opportunity.Stage.WON] * 4 + [Opportunity.Stage.LOST] * 2
    )
    for i, name in enumerate(OPPORTUNITIES):
        org = orgs[i]
        opportunity, created = Opportunity.objects.get_or_create(
            name=name,
            defaults=dict(
                organization=org,
                contact=contacts[i],
                currency="NZD" if org.country == "New Zealand" else "AUD",
                stage=stages[i],
                expected_close_date=today + timedelta(days=14 * (i + 1)),
            ),
        )
        if created:
            lines = [SERVICES[(i + k) % len(SERVICES)] for k in range(1 + i % 3)]
            for position, (description, quantity, price, account, item) in enumerate(lines):
                OpportunityLineItem.objects.create(
                    opportunity=opportunity,
                    description=description,
                    quantity=quantity,
                    unit_price=price,
                    account_code=account,
                    item_code=item,
                    position=position,
                )
            opportunity.value = opportunity.line_items_total
            opportunity.save(update_fields=["value"])

    statuses = list(Project.Status)
    for i, name in enumerate(PROJECTS):
        org = orgs[(i * 2) % len(orgs)]
        Project.objects.get_or_create(
            name=f"{org.name} — {name}",
            defaults=dict(
                organization=org,
                contact=contacts[(i * 2) % len(contacts)],
                status=statuses[i % len(statuses)],
                start_date=today - timedelta(days=30 * (5 - i)),
                due_date=today + timedelta(days=30 * (i + 1)),
                description=f"{name} for {org.name}.",
            ),
        )

    return SeedResult(
        organizations=Organization.objects.count(),
        contacts=Contact.objects.count(),
        opportunities=Opportunity.objects.count(),
        projects=Project.objects.count(),
    )
