"""Settings for crm_xero, all read from the environment.

Every setting has a default that works on a fresh clone: SQLite, local-memory cache, Celery tasks
run in-process, and the built-in Xero sandbox. Production is this same file with environment
variables set (see README.md), checked by `manage.py check --deploy`.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from crm_xero.crm.currencies import ISO_4217
from crm_xero.env import env, envbool, envint, envlist, envurl

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DEBUG", True)


def _development_secret_key() -> str:
    """A key generated once per checkout and kept in .secret_key, so sessions survive restarts."""
    path = BASE_DIR / ".secret_key"
    try:
        with path.open("x") as f:
            f.write(secrets.token_urlsafe(50))
    except FileExistsError:
        pass
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "crm_xero.admin_site.CrmAdminConfig",  # django.contrib.admin, with the CRM's admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.microsoft",
    "allauth.socialaccount.providers.openid_connect",
    "crm_xero.accounts",
    "crm_xero.crm",
    "linking",
]
if not env("XERO_CLIENT_ID"):
    # The built-in Xero sandbox, used when no real Xero app is configured: served by its own
    # process (manage.py runsandbox); crm_xero and linking talk to it only over HTTP, as to Xero.
    INSTALLED_APPS.append("sandbox")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "crm_xero.csp.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

if not DEBUG:
    # Production serves collected static files itself; runserver serves them in development.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "crm_xero.urls"
WSGI_APPLICATION = "crm_xero.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite in the checkout unless DATABASE_URL is set.
_database_url = env("DATABASE_URL")
if _database_url:
    try:
        DATABASES = {
            "default": dj_database_url.parse(
                _database_url, conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60, minimum=0)
            )
        }
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            # IMMEDIATE: a transaction takes SQLite's write lock at once, so that a locked Xero
            # token refresh (select_for_update is a no-op on SQLite) runs one at a time.
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and Celery: Redis when REDIS_URL is set, else local memory and in-process tasks.
REDIS_URL = envurl("REDIS_URL", "", schemes=("redis", "rediss", "unix"))
if REDIS_URL:
    # Django's RedisCache, falling back to a process-local cache (with a logged warning) while
    # Redis is unreachable; a Redis that does not answer costs at most these timeouts (seconds).
    CACHES = {
        "default": {
            "BACKEND": "crm_xero.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "crm_xero"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 2.0},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# A broker that does not answer: one quick retry, then linking.broker does without it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 0.5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Periodic Xero upkeep (run by `celery -A crm_xero beat`; see linking/tasks.py).
CELERY_BEAT_SCHEDULE = {
    "xero-tokens-ahead-of-expiry": {
        "task": "linking.tasks.tokens_refresh_ahead",
        "schedule": 300.0,
    },
    "xero-idle-refresh-tokens": {
        "task": "linking.tasks.tokens_keep_alive",
        "schedule": 6 * 3600.0,
    },
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth: email + password for CRM use; SSO (Google, Microsoft, OpenID Connect) for Xero.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "none")
if ACCOUNT_EMAIL_VERIFICATION not in {"none", "optional", "mandatory"}:
    raise ImproperlyConfigured("ACCOUNT_EMAIL_VERIFICATION must be none, optional or mandatory.")
ACCOUNT_LOGOUT_ON_GET = False
# crm_xero.accounts.adapters.AccountAdapter with failed sign-ins counted per account and address.
ACCOUNT_ADAPTER = "crm_xero.lockout.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "crm_xero.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_LOGIN_ON_GET = False
# Open email sign-up is off: admins add password users; SSO users sign themselves up.
CRM_OPEN_SIGNUP = envbool("CRM_OPEN_SIGNUP", False)
# When set, SSO sign-up is limited to these email domains (e.g. "example.com").
SSO_ALLOWED_DOMAINS = [d.lower() for d in envlist("SSO_ALLOWED_DOMAINS", [])]


def _provider_app(prefix: str, *, extra: tuple[str, ...] = ()) -> dict[str, str] | None:
    """{client_id, secret, ...} from PREFIX_CLIENT_ID / PREFIX_CLIENT_SECRET, or None if unset."""
    client_id, secret = env(f"{prefix}_CLIENT_ID"), env(f"{prefix}_CLIENT_SECRET")
    if not client_id and not secret:
        return None
    if not (client_id and secret):
        raise ImproperlyConfigured(f"Set both {prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET.")
    return {"client_id": client_id, "secret": secret}


SOCIALACCOUNT_PROVIDERS: dict[str, dict] = {
    "google": {"SCOPE": ["profile", "email"], "OAUTH_PKCE_ENABLED": True, "APPS": []},
    "microsoft": {"APPS": []},
    "openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": []},
}
if _google := _provider_app("GOOGLE"):
    SOCIALACCOUNT_PROVIDERS["google"]["APPS"].append(_google)
if _microsoft := _provider_app("MICROSOFT"):
    _microsoft["settings"] = {"tenant": env("MICROSOFT_TENANT", "organizations")}
    SOCIALACCOUNT_PROVIDERS["microsoft"]["APPS"].append(_microsoft)
if _oidc := _provider_app("OIDC"):
    _oidc_id = env("OIDC_PROVIDER_ID", "oidc")
    if not re.fullmatch(r"[a-z][a-z0-9_-]{1,29}", _oidc_id) or _oidc_id in {"google", "microsoft"}:
        raise ImproperlyConfigured(
            f"OIDC_PROVIDER_ID={_oidc_id!r} must be lowercase letters, digits, - or _, "
            "and not the name of another provider."
        )
    _oidc.update(
        provider_id=_oidc_id,
        name=env("OIDC_PROVIDER_NAME", "OpenID Connect"),
        settings={"server_url": envurl("OIDC_SERVER_URL", "")},
    )
    if not _oidc["settings"]["server_url"]:
        raise ImproperlyConfigured("OIDC_SERVER_URL must be set with OIDC_CLIENT_ID.")
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"].append(_oidc)

# Xero. With no XERO_CLIENT_ID the three base URLs point at the built-in sandbox.
XERO_SANDBOX_URL = envurl("XERO_SANDBOX_URL", "http://127.0.0.1:8001")
XERO_CLIENT_ID = env("XERO_CLIENT_ID")
XERO_CLIENT_SECRET = env("XERO_CLIENT_SECRET")
_xero_default = XERO_SANDBOX_URL if not XERO_CLIENT_ID else ""
XERO_LOGIN_URL = envurl("XERO_LOGIN_URL", _xero_default or "https://login.xero.com")
XERO_IDENTITY_URL = envurl("XERO_IDENTITY_URL", _xero_default or "https://identity.xero.com")
XERO_API_URL = envurl("XERO_API_URL", _xero_default or "https://api.xero.com")
XERO_USES_SANDBOX = not XERO_CLIENT_ID
if XERO_USES_SANDBOX:
    # The sandbox's own app registration (see sandbox/seed.py); not a secret.
    XERO_CLIENT_ID = "CRMXEROSANDBOXCLIENT0000000000000"
    XERO_CLIENT_SECRET = "sandbox-client-secret-not-for-production"
elif not XERO_CLIENT_SECRET:
    raise ImproperlyConfigured("XERO_CLIENT_SECRET must be set with XERO_CLIENT_ID.")
# Xero's web app, for "View in Xero" deep links (the sandbox shows a stand-in page).
XERO_WEB_URL = envurl(
    "XERO_WEB_URL", XERO_SANDBOX_URL if XERO_USES_SANDBOX else "https://go.xero.com"
)
XERO_REDIRECT_URI = envurl("XERO_REDIRECT_URI", "http://127.0.0.1:8000/integrations/xero/callback")
XERO_SCOPES = envlist(
    "XERO_SCOPES",
    [
        "openid",
        "profile",
        "email",
        "offline_access",
        "accounting.contacts",
        "accounting.invoices",
        "accounting.settings.read",
    ],
)
# The key Xero shows for the app's webhook; it signs every delivery (x-xero-signature).
XERO_WEBHOOK_KEY = env(
    "XERO_WEBHOOK_KEY", "sandbox-webhook-key-not-for-production" if XERO_USES_SANDBOX else ""
)
# Fernet keys for Xero tokens at rest, newest first (MultiFernet: add a new key in front to
# rotate, then run `manage.py rotate_xero_tokens`). Default: one key derived from SECRET_KEY.
XERO_TOKEN_KEYS = envlist("XERO_TOKEN_KEYS", [])


def _check_fernet_keys(keys: list[str]) -> None:
    """Refuse to start with a key that is not a Fernet key (the value itself is never shown)."""
    from cryptography.fernet import Fernet

    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            raise ImproperlyConfigured(
                f"XERO_TOKEN_KEYS: key {position} of {len(keys)} is not a Fernet key (32 "
                'url-safe base64-encoded bytes). Make one with: python -c "from '
                'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
            ) from None


_check_fernet_keys(XERO_TOKEN_KEYS)
# Seconds for connecting to and reading from Xero (the SDK has no default timeout).
XERO_CONNECT_TIMEOUT = envint("XERO_CONNECT_TIMEOUT", 5, minimum=1)
XERO_READ_TIMEOUT = envint("XERO_READ_TIMEOUT", 20, minimum=1)
# Xero data is fresh in the cache for XERO_CACHE_TTL seconds after Xero confirmed it (webhooks
# and the app's own writes keep it true meanwhile), and kept for XERO_CACHE_KEEP seconds to be
# refreshed incrementally or shown, marked stale, when Xero is busy.
XERO_CACHE_TTL = envint("XERO_CACHE_TTL", 600, minimum=0)
XERO_CACHE_KEEP = envint("XERO_CACHE_KEEP", 86_400, minimum=60)
# The organisation's items, accounts, tax rates, tracking, themes and currencies (the invoice
# composer's reference data) are fresh for this many seconds; the form's Refresh reads them again.
XERO_REFERENCE_TTL = envint("XERO_REFERENCE_TTL", 3600, minimum=0)
# The app's share of each tenant's rate limits (Xero: 60 a minute, 5 at once); a margin under
# 60 absorbs the sliding-window estimate's error.
XERO_RATE_PER_MINUTE = envint("XERO_RATE_PER_MINUTE", 55, minimum=1)
XERO_RATE_CONCURRENT = envint("XERO_RATE_CONCURRENT", 5, minimum=1)
# Refresh tokens die after 60 days unused: refresh any connection idle this many days.
XERO_KEEP_ALIVE_DAYS = envint("XERO_KEEP_ALIVE_DAYS", 7, minimum=1)

# "Sign in with Xero" against the sandbox when no real SSO provider is configured, so that the
# offline demo needs no password at all.
if XERO_USES_SANDBOX and not any(p["APPS"] for p in SOCIALACCOUNT_PROVIDERS.values()):
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"].append(
        {
            "provider_id": "xero",
            "name": "Xero",
            "client_id": XERO_CLIENT_ID,
            "secret": XERO_CLIENT_SECRET,
            "settings": {"server_url": XERO_SANDBOX_URL},
        }
    )

# Internationalisation
LANGUAGE_CODE = "en-au"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static files, served by WhiteNoise in every process.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security. Defaults are strict whenever DEBUG is false.
# Sign-in limits (allauth): 30 sign-in attempts a minute from one address; failed ones 10 a
# minute from one address and 5 in 5 minutes per account *from one address* (crm_xero/lockout.py
# makes allauth's "key" the account and the client address), so nobody can lock an owner out.
ACCOUNT_RATE_LIMITS = {"login": "30/m/ip", "login_failed": "10/m/ip,5/5m/key"}
# The client address behind a proxy: TRUSTED_PROXY_COUNT proxies of ours in front append to
# X-Forwarded-For (the client is the address that many entries from its end), or
# TRUSTED_CLIENT_IP_HEADER names a header that the proxy sets (e.g. X-Real-IP). Neither set:
# REMOTE_ADDR, and X-Forwarded-For is ignored (a client could write anything in it).
ALLAUTH_TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0, minimum=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("TRUSTED_CLIENT_IP_HEADER") or None
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
if envbool("USE_X_FORWARDED_PROTO", False):
    # Only behind a proxy that sets X-Forwarded-Proto itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp, crm_xero/csp.py): scripts, styles, images and requests
# from this origin only; no inline script or style (htmx's inline indicator style and eval are
# off, see templates/base.html). form-action also gets, per request, Xero's login host and the
# configured SSO providers' sign-in hosts, plus CSP_EXTRA_FORM_ACTION (origins, e.g. a federated
# identity provider that a Microsoft or Google sign-in passes through).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
CRM_CSP_EXTRA_FORM_ACTION = envlist("CSP_EXTRA_FORM_ACTION", [])
for _origin in CRM_CSP_EXTRA_FORM_ACTION:
    if not re.fullmatch(r"https?://[^/\s'\";,]+", _origin):
        raise ImproperlyConfigured(
            f"CSP_EXTRA_FORM_ACTION: {_origin!r} is not an origin (https://host[:port])."
        )

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "crm@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The currency a new opportunity starts in.
CRM_DEFAULT_CURRENCY = env("CRM_DEFAULT_CURRENCY", "AUD").upper()
if CRM_DEFAULT_CURRENCY not in ISO_4217:
    raise ImproperlyConfigured(f"CRM_DEFAULT_CURRENCY={CRM_DEFAULT_CURRENCY!r} is not ISO 4217.")
CRM_PAGE_SIZE = envint("CRM_PAGE_SIZE", 25, minimum=1)
