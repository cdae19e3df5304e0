from __future__ import annotations

import pytest

from tests.factories import OpportunityLineItemFactory, ProjectFactory
from tests.sessions import sign_in_with_sso

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["organization", "contact", "opportunity", "project"])
def test_the_django_admin_lists_and_edits_every_record_type(client, sso_admin, model):
    sso_admin.is_superuser = True
    sso_admin.save()
    sign_in_with_sso(client, sso_admin)
    line = OpportunityLineItemFactory()
    project = ProjectFactory()
    records = {
        "organization": line.opportunity.organization,
        "contact": line.opportunity.contact,
        "opportunity": line.opportunity,
        "project": project,
    }
    listing = client.get(f"/admin/crm/{model}/")
    assert listing.status_code == 200
    assert str(records[model]) in listing.content.decode()
    change = client.get(f"/admin/crm/{model}/{records[model].pk}/change/")
    assert change.status_code == 200


def test_the_admin_is_for_administrators_only(client, sso_user):
    sign_in_with_sso(client, sso_user)
    response = client.get("/admin/crm/organization/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
