"""The Content-Security-Policy header: django-csp's middleware, plus the origins forms may go to.

The policy itself is settings.CONTENT_SECURITY_POLICY (self only). Three forms post to the CRM and
are answered with a redirect to another origin, which Chromium checks against `form-action`:
"Connect to Xero" (to Xero's login host, XERO_LOGIN_URL) and each "Sign in with <provider>"
(to the provider's authorisation page). Those origins are added here, per request, from the
settings in force (so a test that points Xero at a local sandbox gets the sandbox's origin).

The built-in sandbox's pages (its own process, sandbox.wsgi, never deployed) get no policy: its
consent page posts to itself and redirects to whatever redirect URI the client registered.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

# Where allauth's providers send the browser to sign in (their authorisation endpoints' origins).
PROVIDER_LOGIN_ORIGINS = {
    "google": ("https://accounts.google.com",),
    "microsoft": ("https://login.microsoftonline.com",),
}
SANDBOX_URLCONF = "sandbox.urls"


def origin(url: str) -> str | None:
    """scheme://host[:port] of an absolute URL, else None."""
    parts = urlsplit(url)
    if parts.scheme in {"http", "https"} and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def form_action_origins() -> list[str]:
    """The other origins a form of the CRM may be redirected to: Xero's login host, the
    configured SSO providers' sign-in hosts (an OpenID Connect provider's issuer host), and
    CSP_EXTRA_FORM_ACTION (e.g. a federated identity provider a sign-in passes through)."""
    found = [origin(settings.XERO_LOGIN_URL)]
    for provider, config in settings.SOCIALACCOUNT_PROVIDERS.items():
        for app in config.get("APPS", []):
            found.extend(PROVIDER_LOGIN_ORIGINS.get(provider, ()))
            found.append(origin(app.get("settings", {}).get("server_url", "")))
    found.extend(settings.CRM_CSP_EXTRA_FORM_ACTION)
    return [o for o in dict.fromkeys(found) if o]


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware with form-action extended as above, and none on the sandbox."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(request, "urlconf", None) == SANDBOX_URLCONF:
            return response
        return super().process_response(request, response)

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only:
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", ()), *form_action_origins()]
            parts.update = update
        return parts
