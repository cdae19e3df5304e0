"""The Organisation resource in Xero's shape.

https://developer.xero.com/documentation/api/accounting/organisation
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from sandbox import wire
from sandbox.models import Organisation

# Xero's Windows-style timezone names (Organisation.Timezone) for the demo organisations.
ZONES = {
    "AUSEASTERNSTANDARDTIME": "Australia/Sydney",
    "NEWZEALANDSTANDARDTIME": "Pacific/Auckland",
}


def local_today(organisation: Organisation) -> date:
    """Today's date where the organisation is (what Xero's "overdue" counts from)."""
    zone = ZoneInfo(ZONES.get(organisation.timezone, "UTC"))
    return timezone.now().astimezone(zone).date()


def serialize(organisation: Organisation) -> dict[str, Any]:
    """GET /Organisation's element for this organisation."""
    doc = organisation.document
    return {
        "APIKey": doc.get("APIKey", ""),
        "Name": organisation.name,
        "LegalName": organisation.legal_name,
        "PaysTax": True,
        "Version": organisation.version,
        "OrganisationType": "COMPANY",
        "BaseCurrency": organisation.base_currency,
        "CountryCode": organisation.country_code,
        "IsDemoCompany": bool(doc.get("IsDemoCompany", True)),
        "OrganisationStatus": "ACTIVE",
        "RegistrationNumber": doc.get("RegistrationNumber", ""),
        "TaxNumber": doc.get("TaxNumber", ""),
        "FinancialYearEndDay": doc.get("FinancialYearEndDay", 30),
        "FinancialYearEndMonth": doc.get("FinancialYearEndMonth", 6),
        "SalesTaxBasis": doc.get("SalesTaxBasis", "ACCRUALS"),
        "SalesTaxPeriod": doc.get("SalesTaxPeriod", "QUARTERLY1"),
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Inclusive",
        "CreatedDateUTC": wire.ms_datetime_bare(organisation.created),
        "OrganisationEntityType": "COMPANY",
        "Timezone": organisation.timezone,
        "ShortCode": organisation.short_code,
        "OrganisationID": str(organisation.organisation_id),
        "Edition": "BUSINESS",
        "Class": "DEMO",
        "LineOfBusiness": doc.get("LineOfBusiness", ""),
        "Addresses": doc.get("Addresses", []),
        "Phones": doc.get("Phones", []),
        "ExternalLinks": [],
        "PaymentTerms": doc.get("PaymentTerms", {}),
    }
