"""Random invoice drafts through the real composer form and service, against the in-process
sandbox: the total the form shows before posting equals the `Total` Xero (the sandbox) computes
for the created draft, to the cent, and both equal an independent calculation in exact fractions
(Xero's rules: each line rounded to the cent after its discount, tax per line, on top or taken
out, none for NoTax)."""

from __future__ import annotations

import math
import re
import uuid
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linking import composer
from sandbox import dbguard
from sandbox.models import Invoice as XeroInvoice
from tests.linking.test_reads import linked_org, tab_url

RATES = {"OUTPUT": Fraction(10), "EXEMPTOUTPUT": Fraction(0), "BASEXCLUDED": Fraction(0)}
ACCOUNTS = ["200", "210", "260"]


def to_cents(value: Fraction) -> Fraction:
    sign = -1 if value < 0 else 1
    return sign * Fraction(math.floor(abs(value) * 100 + Fraction(1, 2)), 100)


def independent_total(lines: list[dict[str, str]], amount_type: str) -> Fraction:
    total = Fraction(0)
    for line in lines:
        discount = Fraction(line.get("discount_rate") or 0)
        amount = to_cents(
            Fraction(line["quantity"]) * Fraction(line["unit_price"]) * (100 - discount) / 100
        )
        rate = RATES[line["tax_type"]]
        if amount_type == "Exclusive":
            total += amount + to_cents(amount * rate / 100)
        else:  # inclusive amounts already hold their tax; NoTax has none
            total += amount
    return total


def places(scale: int, low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda n: format(Decimal(n).scaleb(-scale), "f"))


line = st.fixed_dictionaries(
    {
        "description": st.just("Work"),
        "quantity": places(4, 1, 2_000_000),  # 0.0001 to 200, 4 dp
        "unit_price": places(4, 0, 50_000_000),  # 0 to 5,000, 4 dp
        "account_code": st.sampled_from(ACCOUNTS),
        "tax_type": st.sampled_from(sorted(RATES)),
    },
    optional={"discount_rate": places(2, 0, 10_000)},  # 0 to 100%, 2 dp
)
drafts = st.tuples(
    st.lists(line, min_size=1, max_size=4),
    st.sampled_from(list(composer.AMOUNT_TYPES)),
)


@pytest.fixture
def composer_page(sandbox_connection, sso_user_client):
    org, contact = linked_org(sandbox_connection, "Basket Case")
    sso_user_client.get(f"{tab_url(org)}invoice")  # Xero's choices cached once
    return sso_user_client, f"{tab_url(org)}invoice", contact


def posted(lines: list[dict[str, str]], amount_type: str, reference: str) -> dict[str, str]:
    data = {
        "token": uuid.uuid4().hex,
        "date": "2026-11-02",
        "due_date": "2026-12-20",
        "reference": reference,
        "currency": "AUD",
        "amount_type": amount_type,
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
    }
    for index, fields in enumerate(lines):
        data.update({composer.line_field(index, k): v for k, v in fields.items()})
    return data


def shown_total(page: str) -> Decimal:
    found = re.search(r'data-testid="draft-total">([^<]*)<', page)
    assert found, page[:2000]
    return Decimal(found.group(1).replace(",", ""))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(draft=drafts)
def test_the_total_shown_before_posting_is_xeros_total(composer_page, draft) -> None:
    client, url, contact = composer_page
    lines, amount_type = draft
    reference = f"Property {uuid.uuid4().hex[:12]}"
    data = posted(lines, amount_type, reference)

    preview = shown_total(client.post(f"{url}-preview", data).content.decode())
    response = client.post(url, data)

    assert response.status_code == 200
    with dbguard.guard():
        stored = XeroInvoice.objects.filter(contact=contact, reference=reference).first()
    assert stored is not None, re.findall(r"errorlist[^>]*>(.*?)</ul>", response.content.decode())
    assert preview == stored.total, (lines, amount_type)
    assert Fraction(stored.total) == independent_total(lines, amount_type), (lines, amount_type)
