"""The sandbox's URLconf: Xero's paths, so that one base URL stands for login.xero.com,
identity.xero.com, api.xero.com and go.xero.com (deep links only). Served only by sandbox.wsgi
(manage.py runsandbox)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from sandbox import wire
from sandbox.views import accounting, control, identity, web

urlpatterns = [
    # login.xero.com
    path("identity/connect/authorize", identity.authorize, name="sandbox_authorize"),
    # identity.xero.com
    path("connect/token", identity.token, name="sandbox_token"),
    path("connect/revocation", identity.revocation, name="sandbox_revocation"),
    path("connect/userinfo", identity.userinfo, name="sandbox_userinfo"),
    path(".well-known/openid-configuration", identity.openid_configuration, name="sandbox_oidc"),
    path(".well-known/openid-configuration/jwks", identity.jwks, name="sandbox_jwks"),
    # api.xero.com (SandboxWSGIHandler lower-cases resource names: Xero's are case-insensitive,
    # the SDK writes /Connections and /Contacts, Xero's docs /connections)
    path("connections", identity.connections, name="sandbox_connections"),
    path("connections/<str:connection_id>", identity.connection, name="sandbox_connection"),
    path("api.xro/2.0/organisation", accounting.organisation),
    path("api.xro/2.0/contacts", accounting.contact_collection),
    path("api.xro/2.0/contacts/<str:contact_id>", accounting.contact_item),
    path("api.xro/2.0/invoices", accounting.invoice_collection),
    path("api.xro/2.0/invoices/<str:invoice_id>", accounting.invoice_item),
    path("api.xro/2.0/invoices/<str:invoice_id>/onlineinvoice", accounting.online_invoice),
    path("api.xro/2.0/items", accounting.item_collection),
    path("api.xro/2.0/items/<str:item_id>", accounting.item_item),
    path("api.xro/2.0/accounts", accounting.account_collection),
    path("api.xro/2.0/accounts/<str:account_id>", accounting.account_item),
    path("api.xro/2.0/taxrates", accounting.tax_rate_collection),
    path("api.xro/2.0/taxrates/<str:tax_type>", accounting.tax_rate_item),
    path("api.xro/2.0/trackingcategories", accounting.tracking_category_collection),
    path(
        "api.xro/2.0/trackingcategories/<str:tracking_category_id>",
        accounting.tracking_category_item,
    ),
    path("api.xro/2.0/brandingthemes", accounting.branding_theme_collection),
    path("api.xro/2.0/brandingthemes/<str:branding_theme_id>", accounting.branding_theme_item),
    path("api.xro/2.0/currencies", accounting.currency_collection),
    path("api.xro/2.0/creditnotes", accounting.credit_note_collection),
    path("api.xro/2.0/creditnotes/<str:credit_note_id>", accounting.credit_note_item),
    path(
        "api.xro/2.0/creditnotes/<str:credit_note_id>/allocations",
        accounting.credit_note_allocations,
    ),
    # go.xero.com: deep links into Xero's web app (a read-only page per record).
    path("organisationlogin/default.aspx", web.deep_link, name="sandbox_deep_link"),
    # in.xero.com: the online invoice a customer views (GET /Invoices/{id}/OnlineInvoice).
    path("in/<str:token>", web.online_invoice, name="sandbox_online_invoice"),
    # The sandbox's own control page (developer tool, never deployed).
    path("sandbox/", control.control, name="sandbox_control"),
    path("sandbox/stats", control.stats, name="sandbox_stats"),
]


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 for paths the sandbox does not serve, in Xero's plain-text form."""
    return wire.not_found()


def server_error(request: HttpRequest) -> HttpResponse:
    """500 with a Xero-like problem body."""
    return wire.problem(500, "Internal Server Error", "An error occurred in the Xero sandbox.")


handler404 = not_found
handler500 = server_error
