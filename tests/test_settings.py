"""Settings come from the environment, with defaults for a fresh clone and clear refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from crm_xero import env as envmod

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 60 + "-a-production-secret-with-enough-variety-1234567890",
    "ALLOWED_HOSTS": "crm.example.com",
    "DATABASE_URL": "postgres://crm@db:5432/crm",
    "REDIS_URL": "redis://redis:6379/0",
    # A real Xero app's (not the built-in sandbox's public ones: check --deploy refuses those).
    "XERO_CLIENT_ID": "0123456789ABCDEF0123456789ABCDEF",
    "XERO_CLIENT_SECRET": "a-real-xero-apps-client-secret",
    "XERO_WEBHOOK_KEY": "the-key-the-xero-apps-webhooks-settings-show==",
}


def clean_environ() -> dict[str, str]:
    """This process's variables less those that the test run itself sets."""
    unset = ("DATABASE_", "REDIS_", "DJANGO_ALLOW_ASYNC_UNSAFE")
    return {k: v for k, v in os.environ.items() if not k.startswith(unset)}


def run_django(code: str, **environ: str) -> subprocess.CompletedProcess:
    """Run code after django.setup() in a fresh interpreter with exactly these variables."""
    base = clean_environ()
    base.update(DJANGO_SETTINGS_MODULE="crm_xero.settings", **environ)
    script = f"import django\ndjango.setup()\n{code}"
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=base, capture_output=True, text=True
    )


def settings_json(names: list[str], **environ: str) -> dict:
    code = (
        "import json; from django.conf import settings\n"
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    result = run_django(code, **environ)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_fresh_clone_uses_sqlite_local_memory_and_in_process_tasks():
    values = settings_json(["DATABASES", "CACHES", "CELERY_TASK_ALWAYS_EAGER", "DEBUG"])
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True
    assert values["DEBUG"] is True


def test_redis_url_makes_redis_the_cache_and_the_celery_broker():
    values = settings_json(
        ["CACHES", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER"],
        REDIS_URL="redis://127.0.0.1:6379/3",
    )
    # Django's RedisCache with a process-local fallback while Redis is unreachable.
    assert values["CACHES"]["default"]["BACKEND"] == "crm_xero.cache.FallbackRedisCache"
    assert values["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/3"
    assert values["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/3"
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False


def test_database_url_selects_postgresql():
    values = settings_json(["DATABASES"], DATABASE_URL="postgres://u:p@db.example:5433/crm")
    db = values["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == ("db.example", 5433, "crm", "u")


def test_without_xero_client_id_the_xero_urls_point_at_the_sandbox():
    values = settings_json(["XERO_LOGIN_URL", "XERO_IDENTITY_URL", "XERO_API_URL"])
    assert set(values.values()) == {"http://127.0.0.1:8001"}


def test_with_xero_client_id_the_xero_urls_are_xeros_and_the_sandbox_is_not_installed():
    values = settings_json(
        ["XERO_LOGIN_URL", "XERO_IDENTITY_URL", "XERO_API_URL", "XERO_SCOPES", "INSTALLED_APPS"],
        XERO_CLIENT_ID="abc",
        XERO_CLIENT_SECRET="def",
    )
    assert values["XERO_LOGIN_URL"] == "https://login.xero.com"
    assert values["XERO_IDENTITY_URL"] == "https://identity.xero.com"
    assert values["XERO_API_URL"] == "https://api.xero.com"
    assert "offline_access" in values["XERO_SCOPES"]
    assert "sandbox" not in values["INSTALLED_APPS"]


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DEBUG": "false"}, "SECRET_KEY must be set when DEBUG is false."),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' is not a URL"),
        ({"DATABASE_URL": "nosuchdb://x/y"}, "DATABASE_URL is not a database URL"),
        ({"CRM_PAGE_SIZE": "ten"}, "CRM_PAGE_SIZE='ten' is not a whole number."),
        ({"GOOGLE_CLIENT_ID": "x"}, "Set both GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET."),
        (
            {"OIDC_CLIENT_ID": "a", "OIDC_CLIENT_SECRET": "b"},
            "OIDC_SERVER_URL must be set with OIDC_CLIENT_ID.",
        ),
        ({"CRM_DEFAULT_CURRENCY": "XX"}, "CRM_DEFAULT_CURRENCY='XX' is not ISO 4217."),
        (
            {"CSP_EXTRA_FORM_ACTION": "https://idp.example.com/path"},
            "CSP_EXTRA_FORM_ACTION: 'https://idp.example.com/path' is not an origin",
        ),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(environ, message):
    result = run_django("", **environ)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_sso_providers_come_from_the_environment():
    values = settings_json(
        ["SOCIALACCOUNT_PROVIDERS"],
        GOOGLE_CLIENT_ID="g",
        GOOGLE_CLIENT_SECRET="gs",
        MICROSOFT_CLIENT_ID="m",
        MICROSOFT_CLIENT_SECRET="ms",
        MICROSOFT_TENANT="contoso.onmicrosoft.com",
        OIDC_PROVIDER_ID="xero",
        OIDC_PROVIDER_NAME="Xero",
        OIDC_SERVER_URL="https://identity.xero.com/",
        OIDC_CLIENT_ID="o",
        OIDC_CLIENT_SECRET="os",
    )["SOCIALACCOUNT_PROVIDERS"]
    assert values["google"]["APPS"] == [{"client_id": "g", "secret": "gs"}]
    assert values["microsoft"]["APPS"][0]["settings"] == {"tenant": "contoso.onmicrosoft.com"}
    oidc = values["openid_connect"]["APPS"][0]
    assert (oidc["provider_id"], oidc["name"]) == ("xero", "Xero")
    assert oidc["settings"] == {"server_url": "https://identity.xero.com"}


def test_the_trusted_proxy_for_client_addresses_comes_from_the_environment():
    names = ["ALLAUTH_TRUSTED_PROXY_COUNT", "ALLAUTH_TRUSTED_CLIENT_IP_HEADER"]
    assert settings_json(names) == {
        "ALLAUTH_TRUSTED_PROXY_COUNT": 0,
        "ALLAUTH_TRUSTED_CLIENT_IP_HEADER": None,
    }
    behind_proxy = settings_json(
        names, TRUSTED_PROXY_COUNT="1", TRUSTED_CLIENT_IP_HEADER="X-Real-IP"
    )
    assert behind_proxy == {
        "ALLAUTH_TRUSTED_PROXY_COUNT": 1,
        "ALLAUTH_TRUSTED_CLIENT_IP_HEADER": "X-Real-IP",
    }


def test_secrets_can_come_from_files(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file-" + "z" * 50 + "\n")
    values = settings_json(["SECRET_KEY"], SECRET_KEY_FILE=str(secret))
    assert values["SECRET_KEY"] == "from-a-file-" + "z" * 50


def test_check_deploy_reports_nothing_for_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean_environ(), **PRODUCTION},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def check_deploy(**environ: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={**clean_environ(), **environ},
        capture_output=True,
        text=True,
    )


def test_check_deploy_fails_when_production_would_talk_to_the_built_in_sandbox():
    production = {k: v for k, v in PRODUCTION.items() if not k.startswith("XERO_")}
    result = check_deploy(**production)
    assert result.returncode != 0
    assert "(linking.E001) DEBUG is false but the CRM talks to the built-in Xero sandbox" in (
        result.stderr
    )
    # The sandbox's webhook key comes with it: anyone could sign deliveries.
    assert "(linking.E002) DEBUG is false but XERO_WEBHOOK_KEY is the sandbox's public" in (
        result.stderr
    )


def test_check_deploy_fails_when_a_real_xero_app_keeps_the_sandboxs_webhook_key():
    result = check_deploy(
        **{**PRODUCTION, "XERO_WEBHOOK_KEY": "sandbox-webhook-key-not-for-production"}
    )
    assert result.returncode != 0
    assert "linking.E002" in result.stderr
    assert "linking.E001" not in result.stderr


def test_check_deploy_lets_the_demo_use_the_sandbox_with_debug_on():
    result = check_deploy(DEBUG="true")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "linking.E00" not in result.stdout + result.stderr


def test_envbool_accepts_the_usual_spellings(monkeypatch):
    for value, expected in [("1", True), ("Yes", True), ("off", False), ("FALSE", False)]:
        monkeypatch.setenv("SOME_FLAG", value)
        assert envmod.envbool("SOME_FLAG", not expected) is expected
    monkeypatch.setenv("SOME_FLAG", "")
    assert envmod.envbool("SOME_FLAG", True) is True


def test_envint_enforces_its_minimum(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "-1")
    with pytest.raises(ImproperlyConfigured, match="below the minimum of 0"):
        envmod.envint("SOME_NUMBER", 5, minimum=0)
