"""Quantities as people write them, wherever they are shown (issue 14's words)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm_xero.crm.forms import LineItemFormSet
from crm_xero.quantities import plain, plain_decimal
from tests.factories import OpportunityFactory, OpportunityLineItemFactory


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("2.0000"), "2"),
        (Decimal("1.5000"), "1.5"),
        (Decimal("100.0000"), "100"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.0000"), "0"),
        (Decimal("0.1250"), "0.125"),
        (Decimal("-3.50"), "-3.5"),
        (2, "2"),
        (None, ""),
        ("", ""),
        ("lots", "lots"),
        (Decimal("NaN"), "NaN"),
    ],
)
def test_a_quantity_has_no_trailing_zeros(value, shown):
    assert plain(value) == shown


def test_plain_decimal_is_the_same_number():
    assert plain_decimal(Decimal("2.5000")) == Decimal("2.5")
    assert str(plain_decimal(Decimal("2.5000"))) == "2.5"


@pytest.mark.django_db
def test_the_opportunity_page_and_its_form_show_quantities_plainly(sso_user_client):
    deal = OpportunityFactory()
    OpportunityLineItemFactory(opportunity=deal, quantity=Decimal("2"), description="Design")
    OpportunityLineItemFactory(opportunity=deal, quantity=Decimal("1.5"), description="Hosting")
    page = sso_user_client.get(f"/opportunities/{deal.pk}/").content.decode()
    assert '<td class="num">2</td>' in page and '<td class="num">1.5</td>' in page
    assert "2.0000" not in page and "1.5000" not in page
    form = str(LineItemFormSet(instance=deal))
    assert 'value="2"' in form and 'value="1.5"' in form and ".0000" not in form
