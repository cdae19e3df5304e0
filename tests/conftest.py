"""The cast: an SSO admin, an SSO user, a password-only user, and clients signed in as each."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.factories import SocialAccountFactory, UserFactory

pytest_plugins = ["tests.sandbox_fixtures"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no cached Xero data, rate counters or locks (Redis is shared)."""
    cache.clear()


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
    client.force_login(sso_user)
    return client


@pytest.fixture
def sso_admin_client(client, sso_admin):
    client.force_login(sso_admin)
    return client
