"""Xero's identity endpoints: consent page, token, revocation, userinfo, discovery, connections.

https://developer.xero.com/documentation/guides/oauth2/auth-flow
The consent page is stateless (the OAuth parameters travel in hidden form fields and are
validated again on submit) and sets no cookies: the sandbox shares 127.0.0.1 with the CRM.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from sandbox import dbguard, knobs, oauth, wire
from sandbox.gateway import injected_failure
from sandbox.models import App, Connection, Grant, Organisation, XeroUser

OAUTH_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def base_url(request: HttpRequest) -> str:
    """The sandbox's own base URL as the caller reached it (the OIDC issuer)."""
    return request.build_absolute_uri("/").rstrip("/")


def _error_page(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "sandbox/error.html", {"message": message}, status=status)


def _redirect(uri: str, **params: str) -> HttpResponseRedirect:
    separator = "&" if "?" in uri else "?"
    return HttpResponseRedirect(uri + separator + urlencode({k: v for k, v in params.items() if v}))


# ----------------------------------------------------------------------------- consent page


@login_not_required
@csrf_exempt
def authorize(request: HttpRequest) -> HttpResponse:
    """GET shows the consent page; POST (its form) allows or cancels."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    params = request.GET if request.method == "GET" else request.POST
    with dbguard.guard():
        app = App.objects.filter(client_id=params.get("client_id", "")).first()
        if app is None:
            return _error_page(
                request, "Unknown client or client not enabled (unauthorized_client)."
            )
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri or not oauth.redirect_uri_allowed(app, redirect_uri):
            return _error_page(request, "Invalid redirect_uri: it is not registered for this app.")
        state = params.get("state", "")
        try:
            auth = _validated(app, params)
        except oauth.OAuthError as exc:
            return _redirect(redirect_uri, error=exc.error, state=state)
        if request.method == "GET":
            return _consent_page(request, auth)
        return _decide(request, auth)


def _validated(app: App, params: Any) -> oauth.AuthorizeRequest:
    """The authorize parameters after Xero's checks; OAuthError for the redirect."""
    if params.get("response_type") != "code":
        raise oauth.OAuthError("unsupported_response_type")
    if not params.get("state"):
        raise oauth.OAuthError("invalid_request", description="state is required")
    scopes = oauth.parse_scopes(app, params.get("scope", ""))
    challenge = params.get("code_challenge", "")
    method = params.get("code_challenge_method", "")
    if (challenge or method) and (method != "S256" or not challenge):
        raise oauth.OAuthError("invalid_request", description="Only S256 PKCE is supported")
    return oauth.AuthorizeRequest(
        app=app,
        redirect_uri=params["redirect_uri"],
        scopes=scopes,
        state=params["state"],
        nonce=params.get("nonce", ""),
        code_challenge=challenge,
    )


def _wants_organisations(auth: oauth.AuthorizeRequest) -> bool:
    return any(scope.startswith("accounting.") for scope in auth.scopes)


def _consent_page(
    request: HttpRequest,
    auth: oauth.AuthorizeRequest,
    *,
    error: str = "",
    chosen_user: str = "",
    chosen_tenants: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    users = list(XeroUser.objects.prefetch_related("organisations"))
    organisations = list(Organisation.objects.all())
    if chosen_tenants is None:
        chosen_tenants = [str(o.organisation_id) for o in organisations]
    hidden = {name: request.GET.get(name) or request.POST.get(name, "") for name in OAUTH_PARAMS}
    context = {
        "auth": auth,
        "app": auth.app,
        "users": users,
        "chosen_user": chosen_user or (str(users[0].xero_userid) if users else ""),
        "organisations": organisations if _wants_organisations(auth) else [],
        "chosen_tenants": chosen_tenants,
        "scopes": [(scope, oauth.SCOPES[scope]) for scope in auth.scopes],
        "hidden": [(k, v) for k, v in hidden.items() if v],
        "error": error,
    }
    return render(request, "sandbox/authorize.html", context, status=status)


def _decide(request: HttpRequest, auth: oauth.AuthorizeRequest) -> HttpResponse:
    """Allow: record consent and redirect with a code. Cancel: redirect with access_denied."""
    if request.POST.get("action") != "allow":
        return _redirect(auth.redirect_uri, error="access_denied", state=auth.state)
    user_id = request.POST.get("user", "")
    tenants = request.POST.getlist("tenant")
    user = _user(user_id)
    if user is None:
        return _consent_page(request, auth, error="Choose who you are.", status=400)
    chosen = []
    if _wants_organisations(auth):
        allowed = {str(o.organisation_id): o for o in user.organisations.all()}
        chosen = [allowed[t] for t in tenants if t in allowed]
        refused = [t for t in tenants if t not in allowed]
        if refused or not chosen:
            message = (
                f"{user.name} cannot connect that organisation."
                if refused
                else "Select at least one organisation to connect."
            )
            return _consent_page(
                request,
                auth,
                error=message,
                chosen_user=user_id,
                chosen_tenants=tenants,
                status=400,
            )
    code = oauth.create_code(auth, user, chosen)
    return _redirect(
        auth.redirect_uri,
        code=code,
        scope=" ".join(auth.scopes),
        state=auth.state,
        session_state=uuid.uuid4().hex,
    )


def _user(user_id: str) -> XeroUser | None:
    try:
        return XeroUser.objects.filter(xero_userid=uuid.UUID(user_id)).first()
    except ValueError:
        return None


# --------------------------------------------------------------------------- token endpoints


def _oauth_error(exc: oauth.OAuthError) -> HttpResponse:
    body: dict[str, str] = {"error": exc.error}
    headers = dict(NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="identity.xero.com"'
    return wire.json_response(body, status=exc.status, headers=headers)


@login_not_required
@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    """POST /connect/token: authorization_code and refresh_token grants."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    with dbguard.guard():
        failure = knobs.consume_failure(knobs.current(), "token")
        if failure is not None:
            return injected_failure(failure, "token")
        try:
            app = oauth.authenticate_client(
                request.headers.get("Authorization", ""),
                request.POST.get("client_id"),
                request.POST.get("client_secret"),
            )
            answer = _grant(request, app)
        except oauth.OAuthError as exc:
            return _oauth_error(exc)
    return wire.json_response(answer, headers=NO_STORE)


def _grant(request: HttpRequest, app: App) -> dict[str, Any]:
    grant_type = request.POST.get("grant_type", "")
    issuer = base_url(request)
    if grant_type == "authorization_code":
        return oauth.exchange_code(
            app,
            request.POST.get("code", ""),
            request.POST.get("redirect_uri", ""),
            request.POST.get("code_verifier"),
            issuer,
        )
    if grant_type == "refresh_token":
        return oauth.refresh(app, request.POST.get("refresh_token", ""), issuer)
    raise oauth.OAuthError("unsupported_grant_type")


@login_not_required
@csrf_exempt
def revocation(request: HttpRequest) -> HttpResponse:
    """POST /connect/revocation: revoke a refresh token (200 even for unknown tokens)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    with dbguard.guard():
        try:
            app = oauth.authenticate_client(
                request.headers.get("Authorization", ""),
                request.POST.get("client_id"),
                request.POST.get("client_secret"),
            )
        except oauth.OAuthError as exc:
            return _oauth_error(exc)
        oauth.revoke(app, request.POST.get("token", ""))
    return HttpResponse(status=200)


@login_not_required
@csrf_exempt
def userinfo(request: HttpRequest) -> HttpResponse:
    """GET /connect/userinfo: the signed-in user's profile claims for a Bearer token."""
    with dbguard.guard():
        try:
            grant = oauth.authenticate(request.headers.get("Authorization", ""))
        except oauth.Unauthorized as exc:
            return wire.unauthorized(exc.detail)
        claims = oauth.profile_claims(grant.user, grant.scope_set)
    return wire.json_response(claims)


@login_not_required
def openid_configuration(request: HttpRequest) -> HttpResponse:
    """GET /.well-known/openid-configuration (issuer = this sandbox's base URL)."""
    base = base_url(request)
    document = {
        "issuer": base,
        "authorization_endpoint": f"{base}/identity/connect/authorize",
        "token_endpoint": f"{base}/connect/token",
        "userinfo_endpoint": f"{base}/connect/userinfo",
        "revocation_endpoint": f"{base}/connect/revocation",
        "jwks_uri": f"{base}/.well-known/openid-configuration/jwks",
        "scopes_supported": list(oauth.SCOPES),
        "claims_supported": [
            "sub",
            "xero_userid",
            "global_session_id",
            "given_name",
            "family_name",
            "name",
            "preferred_username",
            "email",
            "email_verified",
        ],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "request_parameter_supported": False,
    }
    return wire.json_response(document)


@login_not_required
def jwks(request: HttpRequest) -> HttpResponse:
    """GET /.well-known/openid-configuration/jwks."""
    with dbguard.guard():
        return wire.json_response(oauth.jwks())


# ------------------------------------------------------------------------------- connections


def _identity_caller(request: HttpRequest) -> Grant | HttpResponse:
    """The grant behind the bearer token, or the failure/401 answer."""
    failure = knobs.consume_failure(knobs.current(), "identity")
    if failure is not None:
        return injected_failure(failure, "identity")
    try:
        return oauth.authenticate(request.headers.get("Authorization", ""))
    except oauth.Unauthorized as exc:
        return wire.unauthorized(exc.detail)


def _connection_json(connection: Connection) -> dict[str, Any]:
    return {
        "id": str(connection.connection_id),
        "authEventId": str(connection.auth_event_id),
        "tenantId": str(connection.organisation.organisation_id),
        "tenantType": "ORGANISATION",
        "tenantName": connection.organisation.name,
        "createdDateUtc": wire.iso_utc(connection.created),
        "updatedDateUtc": wire.iso_utc(connection.updated),
    }


@login_not_required
@csrf_exempt
def connections(request: HttpRequest) -> HttpResponse:
    """GET /connections[?authEventId=]: the tenants this user connected to this app."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    with dbguard.guard():
        grant = _identity_caller(request)
        if isinstance(grant, HttpResponse):
            return grant
        rows = Connection.objects.select_related("organisation").filter(
            app_id=grant.app_id, user_id=grant.user_id
        )
        event = request.GET.get("authEventId")
        if event:
            try:
                rows = rows.filter(auth_event_id=uuid.UUID(event))
            except ValueError:
                rows = rows.none()
        items = [_connection_json(c) for c in rows.order_by("created", "pk")]
    return HttpResponse(json.dumps(items), content_type="application/json; charset=utf-8")


@login_not_required
@csrf_exempt
def connection(request: HttpRequest, connection_id: str) -> HttpResponse:
    """DELETE /connections/{id}: disconnect a tenant (the connection's id, not the tenant id)."""
    if request.method != "DELETE":
        return HttpResponseNotAllowed(["DELETE"])
    with dbguard.guard():
        grant = _identity_caller(request)
        if isinstance(grant, HttpResponse):
            return grant
        try:
            key = uuid.UUID(connection_id)
        except ValueError:
            return wire.not_found()
        deleted, _ = Connection.objects.filter(
            connection_id=key, app_id=grant.app_id, user_id=grant.user_id
        ).delete()
    if not deleted:
        return wire.not_found()
    return HttpResponse(status=204)
