from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from crm_xero.crm.models import Contact, Opportunity, Organization, Project

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return (
        Organization.objects.count(),
        Contact.objects.count(),
        Opportunity.objects.count(),
        Project.objects.count(),
    )


def test_seed_demo_makes_a_realistic_crm_and_running_it_twice_duplicates_nothing(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first == (20, 40, 15, 10)
    assert all(o.line_items.exists() for o in Opportunity.objects.all())
    assert Contact.objects.filter(organization__isnull=True).count() == 4
    out = capsys.readouterr().out
    assert "Demo admin: admin@example.com / password: crm-demo-admin" in out


def test_the_demo_admin_is_a_crm_administrator_who_can_sign_in(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    admin = get_user_model().objects.get(email="admin@example.com")
    assert admin.is_staff
    response = client.post(
        "/accounts/login/", {"login": "admin@example.com", "password": "crm-demo-admin"}
    )
    assert response.status_code == 302


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refusing while DEBUG is false"):
        call_command("seed_demo")
