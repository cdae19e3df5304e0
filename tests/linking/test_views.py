from __future__ import annotations

import pytest

from tests.factories import ContactFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_the_xero_tab_says_xero_is_not_connected_yet(sso_user_client):
    org = OrganizationFactory()
    response = sso_user_client.get(f"/xero/tab/organization/{org.pk}/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Xero is not connected yet." in response.content.decode()
    assert "<html" not in response.content.decode()  # a fragment, not a page


def test_the_xero_tab_of_a_missing_record_is_404(sso_user_client):
    assert sso_user_client.get("/xero/tab/contact/999999/").status_code == 404
    contact = ContactFactory()
    assert sso_user_client.get(f"/xero/tab/invoice/{contact.pk}/").status_code == 404


def test_the_xero_tab_requires_sign_in(client):
    org = OrganizationFactory()
    assert client.get(f"/xero/tab/organization/{org.pk}/").status_code == 302
