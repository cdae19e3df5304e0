"""The cast: an SSO admin, an SSO user, a password-only user, and clients signed in as each."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.factories import SocialAccountFactory, UserFactory
from tests.sessions import sign_in_with_sso

pytest_plugins = ["tests.sandbox_fixtures"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no cached Xero data, rate counters or locks (Redis is shared), and
    none counted in this process's memory (the rate budget's stand-in without Redis)."""
    from linking.xero import budget

    cache.clear()
    budget._memory.reset()


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Celery tasks run in the test's own process unless a test starts a real worker
    (tests/test_worker.py); with REDIS_URL set they would otherwise wait in Redis for one."""
    from crm_xero.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing passwords slowly is the point in production, and only slows tests down."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sso_admin(db):
    user = UserFactory(is_staff=True, first_name="Ada", last_name="Admin")
    SocialAccountFactory(user=user, provider="google")
    return user


@pytest.fixture
def sso_user(db):
    user = UserFactory(first_name="Sam", last_name="Seller")
    SocialAccountFactory(user=user, provider="microsoft")
    return user


@pytest.fixture
def password_user(db):
    return UserFactory(first_name="Pam", last_name="Password")


@pytest.fixture
def sso_user_client(client, sso_user):
    sign_in_with_sso(client, sso_user)
    return client


@pytest.fixture
def sso_admin_client(client, sso_admin):
    sign_in_with_sso(client, sso_admin)
    return client


@pytest.fixture
def sandbox_connection(xero_sandbox, sso_admin, settings):
    """The CRM connected to the sandbox's Demo Company (AU) through the real code exchange."""
    from linking import services
    from sandbox import dbguard, seed, testing
    from sandbox.models import XeroUser

    # Deep links ("View", "View in Xero") go to the sandbox's stand-in for go.xero.com.
    settings.XERO_WEB_URL = xero_sandbox.url
    pkce = testing.Pkce.generate()
    params = testing.authorize_params(
        redirect_uri=settings.XERO_REDIRECT_URI, scopes=settings.XERO_SCOPES, pkce=pkce
    )
    with dbguard.guard():
        admin = XeroUser.objects.get(email=xero_sandbox.admin_email)
    answer = testing.consent(
        xero_sandbox.url,
        params,
        user_id=str(admin.xero_userid),
        tenant_ids=[str(seed.AU_TENANT_ID)],
    )
    assert answer.status_code == 302, answer.text[:500]
    code = testing.redirect_params(answer)["code"]
    outcome = services.connection_complete(user=sso_admin, code=code, code_verifier=pkce.verifier)
    assert outcome.connection is not None
    assert (outcome.connection.short_code, outcome.connection.base_currency) == (
        seed.AU_SHORT_CODE,
        "AUD",
    )
    return outcome.connection
