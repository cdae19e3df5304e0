"""A WSGI handler that serves only the sandbox's URLconf (sandbox.urls).

It shares the project's settings, middleware and database; `manage.py runsandbox` serves it on its
own port, and `sandbox.testing.SandboxServer` serves it inside a test run.
"""

from __future__ import annotations

import os

from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponseBase

URLCONF = "sandbox.urls"


def canonical_path(path: str) -> str:
    """The path with Xero's case-insensitive resource names lower-cased (/Contacts -> /contacts)."""
    parts = path.split("/")
    if len(parts) > 3 and parts[1].lower() == "api.xro" and parts[2] == "2.0":
        parts[1], parts[3] = "api.xro", parts[3].lower()
        if len(parts) > 5:  # a sub-resource: /CreditNotes/{id}/Allocations
            parts[5] = parts[5].lower()
    elif len(parts) > 1 and parts[1].lower() == "connections":
        parts[1] = "connections"
    return "/".join(parts)


class SandboxWSGIHandler(WSGIHandler):
    """Django's WSGI handler with every request routed through sandbox.urls, cookies ignored.

    The sandbox and the CRM both run on 127.0.0.1 and browsers share cookies across ports: the
    sandbox neither reads the CRM's cookies (so the session and auth middleware see an anonymous
    visitor and never touch the CRM's session) nor sets any.
    """

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        """Route the request through the sandbox URLconf without cookies, as Django would."""
        request.urlconf = URLCONF
        request.path_info = canonical_path(request.path_info)
        request.META.pop("HTTP_COOKIE", None)
        request.COOKIES = {}
        response = super().get_response(request)
        response.cookies.clear()
        return response


def get_sandbox_application() -> SandboxWSGIHandler:
    """Set Django up (as django.core.wsgi does) and return the sandbox handler."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_xero.settings")
    django.setup(set_prefix=False)
    return SandboxWSGIHandler()


def __getattr__(name: str) -> SandboxWSGIHandler:
    """`sandbox.wsgi:application` for WSGI servers, created on first use."""
    if name == "application":
        return get_sandbox_application()
    raise AttributeError(name)
