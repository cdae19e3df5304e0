"""Audit entries say "created" once per Xero record: a form submitted again sends the same
Idempotency-Key, Xero (the sandbox) replays its first answer, and that answer is audited as a
replay. Against the sandbox, over real HTTP."""

from __future__ import annotations

import copy
import os
import uuid
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test import Client
from django.utils import timezone

from linking.models import AuditEntry, XeroLink
from sandbox import dbguard
from sandbox.models import Contact as XeroContact
from sandbox.models import Invoice as XeroInvoice
from tests.factories import OpportunityFactory, OrganizationFactory
from tests.linking.test_cache import all_at_once
from tests.linking.test_reads import linked_org, tab_url, xero_contact

SUBMITS = 10

# Ten requests writing at once need a server database: SQLite's shared in-memory test database
# answers "table is locked" instead of waiting. On SQLite the same submits run one after another.
PARALLEL = pytest.param(
    True,
    id="parallel",
    marks=pytest.mark.skipif(
        db_connection.vendor != "postgresql" and os.environ.get("CRM_REQUIRE_SERVICES") != "1",
        reason="parallel writes need PostgreSQL (CI runs this, with CRM_REQUIRE_SERVICES=1)",
    ),
)
AT_ONCE = pytest.mark.parametrize("parallel", [PARALLEL, pytest.param(False, id="repeated")])


def submit(clients: list[Client], send, *, parallel: bool) -> list:
    """Each client's response to send(client): all released at once, or one after another."""
    if parallel:
        return all_at_once(lambda n: send(clients[n]), threads=len(clients))
    return [send(c) for c in clients]


def clients_like(signed_in: Client, count: int) -> list[Client]:
    """Browser tabs of the same signed-in session (its cookies), to submit at the same time."""
    clients = []
    for _ in range(count):
        other = Client()
        other.cookies = copy.deepcopy(signed_in.cookies)
        clients.append(other)
    return clients


def draft_form(token: str, reference: str) -> dict[str, str]:
    today = timezone.localdate()
    return {
        "token": token,
        "date": today.isoformat(),
        "due_date": (today + timedelta(days=30)).isoformat(),
        "reference": reference,
        "currency": "AUD",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-description": "Freight audit",
        "lines-0-quantity": "2",
        "lines-0-unit_price": "250.00",
        "lines-0-account_code": "200",
    }


def created_and_replayed(action: str) -> tuple[list[AuditEntry], list[AuditEntry]]:
    entries = list(AuditEntry.objects.filter(action=action, succeeded=True))
    created = [e for e in entries if not e.changes.get("replay")]
    replays = [e for e in entries if e.changes.get("replay")]
    return created, replays


@AT_ONCE
def test_ten_submits_of_one_draft_make_one_invoice_and_one_created_entry(
    sandbox_connection, xero_sandbox, sso_admin_client, parallel
):
    org, contact = linked_org(sandbox_connection, "Young Bros Transport")
    form = draft_form(uuid.uuid4().hex, "Ten at once")
    clients = clients_like(sso_admin_client, SUBMITS)
    if parallel:
        xero_sandbox.set_latency(200)  # all ten are on their way before Xero answers the first

    responses = submit(clients, lambda c: c.post(f"{tab_url(org)}invoice", form), parallel=parallel)

    assert not [r for r in responses if isinstance(r, Exception)], responses
    assert [r.status_code for r in responses] == [200] * SUBMITS
    with dbguard.guard():
        (invoice,) = XeroInvoice.objects.filter(contact=contact, reference="Ten at once")
    created, replays = created_and_replayed(AuditEntry.Action.CREATE_INVOICE)
    assert [e.xero_id for e in created] == [str(invoice.invoice_id)]
    assert len(replays) == SUBMITS - 1
    assert {e.xero_id for e in replays} == {str(invoice.invoice_id)}
    assert "replayed by Xero" in str(replays[0])
    for response in responses:
        assert "created as a draft in Xero" in response.content.decode()


@AT_ONCE
def test_a_new_contact_submitted_ten_times_is_created_and_audited_once(
    sandbox_connection, xero_sandbox, sso_admin_client, parallel
):
    org = OrganizationFactory(name="Replay Logistics")
    token = uuid.uuid4().hex
    clients = clients_like(sso_admin_client, SUBMITS)
    if parallel:
        xero_sandbox.set_latency(200)

    responses = submit(
        clients,
        lambda c: c.post(f"{tab_url(org)}new-contact", {"token": token}),
        parallel=parallel,
    )

    assert [getattr(r, "status_code", r) for r in responses] == [200] * SUBMITS
    with dbguard.guard():
        (contact,) = XeroContact.objects.filter(name="Replay Logistics")
    created, replays = created_and_replayed(AuditEntry.Action.CREATE_CONTACT)
    assert [e.xero_id for e in created] == [str(contact.contact_id)]
    assert all(e.xero_id == str(contact.contact_id) for e in replays)
    (link,) = XeroLink.objects.filter(organization=org)
    assert str(link.xero_id) == str(contact.contact_id)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LINK, succeeded=True).count() == 1


def test_a_deal_invoice_form_sent_twice_links_once_and_says_created_both_times(
    sandbox_connection, xero_sandbox, sso_admin_client
):
    contact = xero_contact("Young Bros Transport")
    deal = OpportunityFactory(name="Replay deal")
    form = {
        **draft_form(uuid.uuid4().hex, "Deal twice"),
        "contact_id": str(contact.contact_id),
        "contact_name": contact.name,
    }

    first = sso_admin_client.post(f"{tab_url(deal)}deal-invoice", form)
    second = sso_admin_client.post(f"{tab_url(deal)}deal-invoice", form)

    for response in (first, second):
        page = response.content.decode()
        assert "created as a draft in Xero and linked to this opportunity" in page
        assert "already linked" not in page
    with dbguard.guard():
        (invoice,) = XeroInvoice.objects.filter(reference="Deal twice")
    (link,) = XeroLink.objects.filter(opportunity=deal)
    assert str(link.xero_id) == str(invoice.invoice_id)
    created, replays = created_and_replayed(AuditEntry.Action.CREATE_INVOICE)
    assert len(created) == 1 and len(replays) == 1
