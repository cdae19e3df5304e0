"""City Agency's full history (3,000 invoices): paging through it (how fast a page is, is
measured by `make bench`, not asserted here).

One test seeds the full count once and checks everything that needs it.
"""

from __future__ import annotations

import pytest

from sandbox import seed
from tests.sandbox.helpers import api, make_sdk

BIG = str(seed.BIG_CUSTOMER_ID)


@pytest.mark.sandbox_invoices(3000)
def test_paging_through_three_thousand_invoices(xero_sandbox, monkeypatch) -> None:
    tokens = xero_sandbox.mint_tokens()
    sdk = make_sdk(xero_sandbox, tokens, monkeypatch)

    seen: list[str] = []
    page = 1
    while True:
        answer = sdk.accounting.get_invoices(
            str(seed.AU_TENANT_ID), contact_i_ds=[BIG], page=page, page_size=1000
        )
        if not answer.invoices:
            break
        assert answer.pagination.page_count == 3 and answer.pagination.item_count == 3000
        seen.extend(str(i.invoice_id) for i in answer.invoices)
        page += 1
    assert page == 4 and len(seen) == len(set(seen)) == 3000

    default = api(xero_sandbox, tokens, "GET", "/Invoices", params={"ContactIDs": BIG, "page": 30})
    body = default.json()
    assert body["pagination"] == {"page": 30, "pageSize": 100, "pageCount": 30, "itemCount": 3000}
    assert len(body["Invoices"]) == 100
    clamped = api(
        xero_sandbox, tokens, "GET", "/Invoices", params={"page": 1, "pageSize": 5000}
    ).json()
    assert clamped["pagination"]["pageSize"] == 1000 and len(clamped["Invoices"]) == 1000

    in_2024 = api(
        xero_sandbox,
        tokens,
        "GET",
        "/Invoices",
        params={
            "ContactIDs": BIG,
            "where": "Date >= DateTime(2024, 01, 01) AND Date < DateTime(2025, 01, 01)",
            "order": "Date DESC",
            "page": 2,
        },
    ).json()
    dates = [i["DateString"] for i in in_2024["Invoices"]]
    assert 400 < in_2024["pagination"]["itemCount"] < 500
    assert all(d.startswith("2024-") for d in dates) and dates == sorted(dates, reverse=True)
