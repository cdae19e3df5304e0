"""Failed sign-ins lock out an (account, client address) pair, never the account everywhere."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"
PROXY = "10.0.0.2"
TOO_MANY = "Too many failed login attempts. Try again later."
WRONG = "The email address and/or password you specified are not correct."


def sign_in(email: str, password: str, **meta: str):
    """A sign-in POST from a fresh browser (no session), from the address in `meta`."""
    return Client(**meta).post("/accounts/login/", {"login": email, "password": password})


def signed_in(response) -> bool:
    return response.status_code == 302 and response.wsgi_request.user.is_authenticated


def fail_five_times(email: str, **meta: str) -> None:
    for _ in range(5):
        response = sign_in(email, "guessed-wrong", **meta)
        assert WRONG in response.content.decode()


def test_five_wrong_passwords_from_one_address_do_not_lock_the_owner_out_elsewhere(
    password_user,
):
    fail_five_times(password_user.email, REMOTE_ADDR=ATTACKER)

    # The attacker's address is locked out of this account, even with the right password...
    refused = sign_in(password_user.email, PASSWORD, REMOTE_ADDR=ATTACKER)
    assert refused.status_code == 200
    assert TOO_MANY in refused.content.decode()
    assert not refused.wsgi_request.user.is_authenticated

    # ...while the owner, at another address, signs in at once.
    assert signed_in(sign_in(password_user.email, PASSWORD, REMOTE_ADDR=OWNER))


def test_the_owners_own_typos_still_lock_their_own_address_for_that_account(password_user):
    fail_five_times(password_user.email, REMOTE_ADDR=OWNER)
    assert TOO_MANY in sign_in(password_user.email, PASSWORD, REMOTE_ADDR=OWNER).content.decode()
    # Another account from the same address is not locked (up to 10 failures a minute there).
    other = UserFactory()
    assert signed_in(sign_in(other.email, PASSWORD, REMOTE_ADDR=OWNER))


def test_one_address_trying_many_accounts_is_limited_to_ten_failures_a_minute(db):
    users = [UserFactory() for _ in range(11)]
    for user in users[:10]:
        assert WRONG in sign_in(user.email, "guessed-wrong", REMOTE_ADDR=ATTACKER).content.decode()
    last = sign_in(users[10].email, "guessed-wrong", REMOTE_ADDR=ATTACKER)
    assert TOO_MANY in last.content.decode()


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(password_user, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    for n in range(5):
        response = sign_in(
            password_user.email,
            "guessed-wrong",
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
        assert WRONG in response.content.decode()
    # A sixth made-up X-Forwarded-For does not get the attacker a fresh count.
    response = sign_in(
        password_user.email, PASSWORD, REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.99"
    )
    assert TOO_MANY in response.content.decode()


def test_behind_the_trusted_proxy_the_client_is_the_address_the_proxy_appended(
    password_user, settings
):
    # What the compose file's proxy sends: everyone comes from the proxy's address, and the
    # proxy appends the real client to X-Forwarded-For (after whatever the client wrote there).
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for forged in ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5"]:
        response = sign_in(
            password_user.email,
            "guessed-wrong",
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"{forged}, {ATTACKER}",
        )
        assert WRONG in response.content.decode()
    attacker = sign_in(
        password_user.email, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER
    )
    assert TOO_MANY in attacker.content.decode()
    assert signed_in(
        sign_in(password_user.email, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=OWNER)
    )


def test_a_header_set_by_the_proxy_can_name_the_client_instead(password_user, settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    fail_five_times(password_user.email, REMOTE_ADDR=PROXY, HTTP_X_REAL_IP=ATTACKER)
    assert signed_in(
        sign_in(password_user.email, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_REAL_IP=OWNER)
    )


def test_a_request_that_skipped_a_trusted_proxy_is_counted_by_its_address_not_refused(
    password_user, settings
):
    # Two proxies are trusted but this request's X-Forwarded-For names one address only.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    response = sign_in(
        password_user.email, PASSWORD, REMOTE_ADDR=OWNER, HTTP_X_FORWARDED_FOR="192.0.2.1"
    )
    assert signed_in(response)
