"""The linking models' factories make rows the app itself would make."""

from __future__ import annotations

import pytest

from crm_xero.crm.models import Opportunity, Organization
from linking.models import AuditEntry, XeroConnection, XeroLink
from tests.factories import (
    TENANT_ID,
    AuditEntryFactory,
    OpportunityFactory,
    XeroConnectionFactory,
    XeroLinkFactory,
)

pytestmark = pytest.mark.django_db


def test_a_connection_keeps_its_tokens_encrypted_at_rest():
    XeroConnectionFactory(access_token="the-access", refresh_token="the-refresh")
    row = XeroConnection.objects.get()
    assert (row.access_token, row.refresh_token) == ("the-access", "the-refresh")
    assert "the-access" not in row.access_token_encrypted
    assert "the-refresh" not in row.refresh_token_encrypted
    assert str(row.tenant_id) == TENANT_ID
    assert row.scopes == ["offline_access", "accounting.contacts"]
    assert row.access_token_expires_at is not None


def test_a_built_connection_is_not_saved():
    assert XeroConnectionFactory.build().access_token == "access-1"
    assert not XeroConnection.objects.exists()


def test_a_link_is_from_the_record_given_or_a_new_organization():
    deal = OpportunityFactory()
    item = XeroLinkFactory(record=deal, xero_type=XeroLink.XeroType.INVOICE, xero_name="INV-1")
    assert XeroLink.objects.get(pk=item.pk).record == deal
    assert isinstance(XeroLinkFactory().record, Organization)
    assert XeroLink.objects.filter(opportunity__isnull=False).get().record == deal
    assert Opportunity.objects.count() == 1


def test_an_audit_entry_is_a_link_that_went_well():
    entry = AuditEntryFactory(record_label="Clampett & Co")
    assert str(AuditEntry.objects.get(pk=entry.pk)) == "Link Clampett & Co (ok)"
