"""The deploy check: with DEBUG off, the built-in sandbox and its public keys are refused.

tests/test_settings.py runs `manage.py check --deploy` itself; these call the check in-process.
"""

from __future__ import annotations

import pytest
from django.core import checks as django_checks

from linking import checks
from tests.test_settings import settings_json


def ids_of(messages) -> list[str]:
    return [message.id for message in messages]


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.XERO_USES_SANDBOX = False
    settings.XERO_CLIENT_ID = "0123456789ABCDEF0123456789ABCDEF"
    settings.XERO_CLIENT_SECRET = "a-real-xero-apps-client-secret"
    settings.XERO_WEBHOOK_KEY = "the-key-the-xero-apps-webhooks-settings-show=="
    return settings


def test_a_real_xero_app_with_its_own_webhook_key_passes(production):
    assert checks.xero_not_the_sandbox() == []


def test_the_sandbox_with_debug_off_is_an_error(production):
    production.XERO_USES_SANDBOX = True
    found = checks.xero_not_the_sandbox()
    assert ids_of(found) == ["linking.E001"]
    assert all(message.level == django_checks.ERROR for message in found)


def test_the_sandboxs_client_secret_with_debug_off_is_an_error(production):
    production.XERO_CLIENT_SECRET = checks.SANDBOX_CLIENT_SECRET
    assert ids_of(checks.xero_not_the_sandbox()) == ["linking.E001"]


def test_the_sandboxs_webhook_key_with_debug_off_is_an_error(production):
    production.XERO_WEBHOOK_KEY = checks.SANDBOX_WEBHOOK_KEY
    found = checks.xero_not_the_sandbox()
    assert ids_of(found) == ["linking.E002"]
    assert found[0].level == django_checks.ERROR
    assert "anyone can sign a webhook delivery" in found[0].msg


def test_with_debug_on_the_sandbox_is_the_demo_and_fine(production):
    production.DEBUG = True
    production.XERO_USES_SANDBOX = True
    production.XERO_WEBHOOK_KEY = checks.SANDBOX_WEBHOOK_KEY
    assert checks.xero_not_the_sandbox() == []


def test_the_check_runs_with_check_deploy_only(production):
    production.XERO_USES_SANDBOX = True
    registry = django_checks.registry.registry
    assert checks.xero_not_the_sandbox in registry.get_checks(include_deployment_checks=True)
    assert checks.xero_not_the_sandbox not in registry.get_checks(include_deployment_checks=False)


def test_the_keys_it_looks_for_are_the_ones_settings_fall_back_to():
    values = settings_json(["XERO_WEBHOOK_KEY", "XERO_CLIENT_SECRET", "XERO_USES_SANDBOX"])
    assert values == {
        "XERO_WEBHOOK_KEY": checks.SANDBOX_WEBHOOK_KEY,
        "XERO_CLIENT_SECRET": checks.SANDBOX_CLIENT_SECRET,
        "XERO_USES_SANDBOX": True,
    }
