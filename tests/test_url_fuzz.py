"""No input gives a 500: every URL pattern of the CRM, with hostile path values, query strings
and POST bodies, as every role, against the sandbox connection, with records and links existing.

The walk iterates the CRM's resolver (crm_xero/urls.py: the admin, allauth, the profile, linking
and the CRM pages), so a new URL is fuzzed without anyone listing it here. The sandbox's own URLs
(sandbox/urls.py) are not part of it: the CRM never serves them (they are served only by
`manage.py runsandbox`, a developer tool); the sandbox is exercised here as the Xero the CRM
calls, which receives the hostile search terms and where filters the CRM sends.

Bounded: each (pattern, role) gets a few hostile values for its path parameters, and a few
hostile query strings and bodies, rotated by role and pattern so that every value reaches every
parameter name somewhere in the run, without the full cartesian product.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, RoutePattern

from linking.models import AuditEntry, XeroLink
from sandbox import dbguard, seed
from sandbox.models import Contact as XeroContact
from sandbox.models import CreditNote as XeroCreditNote
from sandbox.models import Invoice as XeroInvoice
from tests.factories import (
    ContactFactory,
    OpportunityFactory,
    OpportunityLineItemFactory,
    OrganizationFactory,
    ProjectFactory,
    SocialAccountFactory,
    UserFactory,
)
from tests.sessions import sign_in_with_password_session

AU = seed.AU_TENANT_ID

# Hostile values: text (percent-encoded as UTF-8 when sent) or bytes (sent as they are, percent-
# encoded; b"\xed\xa0\x80" is an encoded surrogate, not valid UTF-8).
HOSTILE: tuple[str | bytes, ...] = (
    "abc",
    "\x00",
    "' OR 1=1 --",
    "-1",
    'x" OR Name!=null OR Name=="',
    "a\x00b",
    "\u202e\u05e9\u05dc\u05d5\u05dd\u202c \U0001f600\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "99999999999999999999999",
    "\x01\x07\x08\x0b\x1b[31m\x7f\x9f",
    "A" * 10_240,
    b"\xed\xa0\x80\xff\xfe",
    ")==DateTime(2020,",
    "1; DROP TABLE crm_organization;--",
    "00000000-0000-0000-0000-000000000000",
    "4b6a1c3e-8f2d-4e7a-9c51-2d8e0f7a3b61\x00",
    "==",
    "../../connections",
    "%00%zz%",
    "1.5e308",
    '\\"\\\\',
    "{0}%s%n<script>alert(1)</script>",
    "   ",
    "",
    "[]",
)
# A hostile value that a path converter accepts (int: digits only; slug: [-a-zA-Z0-9_]).
HOSTILE_INTS = ("0", "99999999999999999999999", "0000000000000000000000001")
HOSTILE_SLUGS = ("nope", "organization-", "a" * 300, "_")

# The query-string and form names the CRM's own views read: every GET or POST carries them all.
OWN_GET = (
    "q", "sort", "page", "show", "link", "type", "contact_q", "date_from", "date_to",
    "state", "code", "error", "next", "organization", "contact", "dir", "size", "tab",
)  # fmt: skip
OWN_POST = (
    "q", "link", "xero_contact_id", "invoice_id", "tenant_id", "token", "contact_token",
    "new_contact_name", "contact_id", "contact_name", "date", "due_date", "reference",
    "currency", "lines-0-description", "lines-0-quantity", "lines-0-unit_amount",
    "lines-0-unit_price", "lines-0-account_code", "lines-0-DELETE", "lines-0-id",
    "name", "email", "phone", "mobile", "website", "first_name", "last_name", "title",
    "organization", "contact", "value", "stage", "expected_close_date", "status",
    "start_date", "notes", "address_line1", "city", "country",
)  # fmt: skip
# Names the admin and allauth read: each request carries a few of them, in turn.
OTHER_GET = (
    "o", "p", "e", "all", "_popup", "_to_field", "_changelist_filters", "term", "app_label",
    "model_name", "field_name", "process", "action", "id__exact", "country", "stage__exact",
    "currency__exact", "status__exact", "action__exact", "succeeded__exact",
    "record_type__exact", "xero_type__exact", "created_at__year", "created_at__month",
    "is_staff__exact", "is_superuser__exact", "is_active__exact", "groups__id__exact",
    "provider", "error_description", "scope", "auth_params",
)  # fmt: skip
OTHER_POST = (
    "login", "password", "password1", "password2", "remember", "oldpassword",
    "new_password1", "new_password2", "username", "action", "email2", "_selected_action",
    "select_across", "index", "next", "_save", "_continue", "_popup", "_to_field", "post",
    "contacts-TOTAL_FORMS", "contacts-INITIAL_FORMS", "contacts-0-id", "contacts-0-first_name",
    "line_items-TOTAL_FORMS", "line_items-INITIAL_FORMS", "line_items-0-id", "process",
    "provider", "account", "key", "code", "usable_password", "groups", "user_permissions",
)  # fmt: skip
OTHERS_PER_REQUEST = 6
# Sent on every POST besides the hostile values, so that formsets are bound and reach cleaning.
MANAGEMENT = "lines-TOTAL_FORMS=1&lines-INITIAL_FORMS=0"

ROLES = ("anonymous", "password_user", "password_staff", "sso_user", "sso_admin")
# Patterns whose POST destroys what later requests need: walked last, in this order.
LAST = ("unlink", "disconnect", "delete", "logout")


def _encoded(value: str | bytes) -> str:
    return quote(value, safe="")


ENCODED = tuple(_encoded(v) for v in HOSTILE)


def _query(own: tuple[str, ...], others: tuple[str, ...], turn: int) -> str:
    """The own names and a few others, each with a hostile value; `turn` rotates both."""
    count = min(OTHERS_PER_REQUEST, len(others))
    window = [others[(turn * count + i) % len(others)] for i in range(count)]
    return "&".join(
        f"{name}={ENCODED[(turn * 7 + i) % len(ENCODED)]}" for i, name in enumerate([*own, *window])
    )


# ----------------------------------------------------------------------------- the URL walk


@dataclass(frozen=True)
class Pattern:
    route: str  # as printed, for failure messages
    name: str
    parts: tuple  # literal text, or (param name, regex) for a parameter


def _patterns(resolvers=None, prefix: tuple = (), name_prefix="", route="") -> Iterator[Pattern]:
    """Every URL pattern reachable from the CRM's root URLconf, with its parameters."""
    for entry in get_resolver().url_patterns if resolvers is None else resolvers:
        parts = prefix + _parts(entry.pattern)
        joined = URLResolver._join_route(route, str(entry.pattern))  # as ResolverMatch.route
        if isinstance(entry, URLResolver):
            namespace = f"{entry.namespace}:" if entry.namespace else ""
            yield from _patterns(entry.url_patterns, parts, name_prefix + namespace, joined)
        elif isinstance(entry, URLPattern):
            yield Pattern(joined, name_prefix + (entry.name or joined), parts)


def _parts(pattern) -> tuple:
    """A pattern as literal strings and (name, regex) parameters."""
    if isinstance(pattern, RoutePattern):
        route, parts, at = str(pattern), [], 0
        for found in re.finditer(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>", route):
            parts.append(route[at : found.start()])
            converter = pattern.converters[found["name"]]
            parts.append((found["name"], converter.regex))
            at = found.end()
        parts.append(route[at:])
        return tuple(p for p in parts if p != "")
    assert isinstance(pattern, RegexPattern), pattern
    regex, parts, at = str(pattern).lstrip("^").rstrip("$"), [], 0
    for found in re.finditer(r"\(\?P<(?P<name>\w+)>", regex):
        depth, end = 1, found.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(regex[end], 0) if regex[end - 1] != "\\" else 0
            end += 1
        parts.append(regex[at : found.start()])
        parts.append((found["name"], regex[found.end() : end - 1]))
        at = end
    parts.append(regex[at:])
    literal = [p if isinstance(p, tuple) else p.replace("\\", "") for p in parts]
    return tuple(p for p in literal if p != "")


# ------------------------------------------------------------------------------ the records


@dataclass
class World:
    """Records, links and ids that exist, so that valid ids reach the views' deeper code."""

    pks: dict[str, int]  # record kind or admin model label -> a pk that exists
    xero_names: tuple[str, ...]  # what the SSO roles' Xero tabs show from the sandbox
    # Issue 13: the Xero items a tab's detail URLs name (<uuid:invoice_id>, <uuid:credit_note_id>)
    item_ids: dict[str, str] = field(
        default_factory=lambda: {
            "invoice_id": str(uuid.uuid4()),
            "credit_note_id": str(uuid.uuid4()),
        }
    )


@pytest.fixture
def world(sandbox_connection, xero_sandbox, sso_admin, settings) -> World:
    # Every request really reaches Xero's stand-in: no budget refusals halfway through the walk.
    settings.XERO_RATE_PER_MINUTE = 100_000
    xero_sandbox.set_rate_limits(minute=100_000, app_minute=100_000, day=1_000_000)
    with dbguard.guard():
        contact = XeroContact.objects.get(organisation__organisation_id=AU, name="Ridgeway Univ.")
        other = XeroContact.objects.get(organisation__organisation_id=AU, name="Marine Systems")
        invoice = XeroInvoice.objects.filter(contact=contact, type="ACCREC").order_by("pk").first()
        note = XeroCreditNote.objects.filter(contact=contact).order_by("pk").first()
    linked_org = OrganizationFactory(name="Ridgeway University")
    unlinked_org = OrganizationFactory(name="Bayside Club")
    person = ContactFactory(organization=linked_org)
    opportunity = OpportunityFactory(organization=linked_org, contact=person)
    OpportunityLineItemFactory(opportunity=opportunity)
    project = ProjectFactory(organization=unlinked_org, contact=None)
    common = {"tenant_id": sandbox_connection.tenant_id, "created_by": sso_admin}
    XeroLink.objects.create(
        organization=linked_org,
        xero_type=XeroLink.XeroType.CONTACT,
        xero_id=contact.contact_id,
        xero_name=contact.name,
        **common,
    )
    XeroLink.objects.create(
        contact=person,
        xero_type=XeroLink.XeroType.CONTACT,
        xero_id=other.contact_id,
        xero_name=other.name,
        **common,
    )
    for deal in (opportunity, project):
        XeroLink.objects.create(
            **{deal._meta.model_name: deal},
            xero_type=XeroLink.XeroType.INVOICE,
            xero_id=invoice.invoice_id,
            xero_name=invoice.number or "INV",
            **common,
        )
    audit = AuditEntry.objects.create(
        user=sso_admin, action=AuditEntry.Action.LINK, record_type="organization",
        record_id=linked_org.pk, record_label=linked_org.name, tenant_id=AU,
        xero_id=str(contact.contact_id),
    )  # fmt: skip
    bystander = UserFactory()  # the admin's user pages act on someone who is not signing in
    social = SocialAccountFactory(user=bystander, provider="google")
    # Google configured (from the environment, as in production), Microsoft not: both kinds of
    # provider URL are walked.
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers.setdefault("google", {})["APPS"] = [
        {"client_id": "fuzz.apps.googleusercontent.com", "secret": "fuzz-secret"}
    ]
    settings.SOCIALACCOUNT_PROVIDERS = providers
    pks = {
        "organization": linked_org.pk,
        "contact": person.pk,
        "opportunity": opportunity.pk,
        "project": project.pk,
        "auth_group": _group().pk,
        "account_emailaddress": bystander.emailaddress_set.get().pk,
        "socialaccount_socialaccount": social.pk,
        "accounts_user": bystander.pk,
        "linking_xeroconnection": sandbox_connection.pk,
        "linking_auditentry": audit.pk,
        "crm_organization": unlinked_org.pk,
        "crm_contact": person.pk,
        "crm_opportunity": opportunity.pk,
        "crm_project": project.pk,
    }
    item_ids = {
        "invoice_id": str(invoice.invoice_id),
        "credit_note_id": str(note.credit_note_id) if note else str(uuid.uuid4()),
    }
    return World(pks, (contact.name, other.name, invoice.number), item_ids)


def _group():
    from django.contrib.auth.models import Group

    return Group.objects.create(name="Sales")


# ------------------------------------------------------------------------------ the requests


@dataclass(frozen=True)
class Probe:
    pattern: Pattern
    method: str
    path: str  # with its query string
    body: bytes = b""

    def describe(self) -> str:
        shown = self.path if len(self.path) < 300 else self.path[:300] + "…"
        body = self.body if len(self.body) < 200 else self.body[:200] + b"..."
        return f"{self.method} {shown} ({self.pattern.name})" + (f" body={body!r}" if body else "")


def _valid(pattern: Pattern, name: str, world: World) -> list[str]:
    """Values for a parameter that lead to an existing object."""
    if name == "kind":
        return ["organization", "contact", "opportunity", "project"]
    if name in ("pk", "object_id", "id", "content_type_id"):
        label = re.match(r"(?:crm:|admin:)?(\w+?)_(?:detail|update|delete|change|history|"
                         r"password|changelist)", pattern.name)  # fmt: skip
        key = label.group(1) if label else ""
        if pattern.name.startswith("linking:"):
            return []  # per kind: see _tab_paths
        if key in world.pks:
            return [str(world.pks[key])]
        return ["1"]
    if name == "app_label":
        return ["crm", "linking"]
    if name == "provider_id":
        return ["xero"]
    if name == "url":
        return ["nowhere/"]
    return []


def _hostile_for(regex: str) -> list[str | bytes]:
    """The hostile values this parameter's regex lets through the resolver."""
    if regex == "[0-9]+":
        return list(HOSTILE_INTS)
    if regex == "[-a-zA-Z0-9_]+":
        return list(HOSTILE_SLUGS)
    fitting = []
    for value in HOSTILE:
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        if text and re.fullmatch(regex, text) and "/" not in text.strip("/"):
            fitting.append(value)
    return fitting


def _build(pattern: Pattern, values: dict[str, str | bytes]) -> str:
    return "/" + "".join(p if isinstance(p, str) else _encoded(values[p[0]]) for p in pattern.parts)


def _paths(pattern: Pattern, world: World, turn: int) -> Iterator[tuple[str, bool]]:
    """(path, made of valid values) for the pattern: valid values first, then hostile ones."""
    params = [p for p in pattern.parts if isinstance(p, tuple)]
    if not params:
        yield _build(pattern, {}), True
        return
    if pattern.name.startswith("linking:"):  # xero/tab/<kind>/<pk>/...
        ids = {name: value for name, value in world.item_ids.items() if name in dict(params)}
        for kind in ("organization", "contact", "opportunity", "project"):
            yield _build(pattern, {"kind": kind, "pk": str(world.pks[kind]), **ids}), True
        hostile = [
            {"kind": ("organization", "project")[turn % 2], "pk": HOSTILE_INTS[turn % 3], **ids},
            {"kind": HOSTILE_SLUGS[turn % 4], "pk": str(world.pks["organization"]), **ids},
        ]
        yield _build(pattern, hostile[turn % 2]), False
        return
    valid = {name: (_valid(pattern, name, world) or [None])[0] for name, _ in params}
    if all(v is not None for v in valid.values()):
        yield _build(pattern, valid), True
    for name, regex in params:
        hostile = _hostile_for(regex)
        for value in [hostile[turn % len(hostile)]] if hostile else []:
            others = {n: (v if v is not None else "1") for n, v in valid.items()}
            yield _build(pattern, {**others, name: value}), False


def _own(pattern: Pattern) -> bool:
    return pattern.name.startswith(("crm:", "linking:", "profile"))


def _probes(world: World, role_index: int) -> list[Probe]:
    """This role's requests: for each pattern, a GET and a POST per path (two of each on a valid
    path of the CRM's own views), every one with its own hostile query string and body."""
    patterns = sorted(
        _patterns(), key=lambda p: next((i + 1 for i, w in enumerate(LAST) if w in p.name), 0)
    )
    probes, turn = [], role_index * 5
    for n, pattern in enumerate(patterns):
        for path, valid in _paths(pattern, world, n + role_index):
            for _ in range(2 if valid and _own(pattern) else 1):
                turn += 1
                probes.append(Probe(pattern, "GET", f"{path}?{_query(OWN_GET, OTHER_GET, turn)}"))
                body = f"{_query(OWN_POST, OTHER_POST, turn + 1)}&{MANAGEMENT}".encode()
                query = _query(OWN_GET[:4], (), turn + 2)
                probes.append(Probe(pattern, "POST", f"{path}?{query}", body))
            if valid and pattern.name == "linking:xero_tab":
                # The tab's list filter (q) hides every row a hostile value does not match: the
                # tab is opened plainly too, so that its data is seen (the check below).
                probes.append(Probe(pattern, "GET", path))
    return probes


def _client_for(role: str, request) -> Client:
    if role == "anonymous":
        client = Client()
    elif role == "password_user":
        client = Client()
        client.force_login(request.getfixturevalue("password_user"))
    elif role == "password_staff":  # signed in on the email form, as the probe's demo admin was
        client = sign_in_with_password_session(
            Client(), UserFactory(is_staff=True, is_superuser=True)
        )
    elif role == "sso_user":
        client = request.getfixturevalue("sso_user_client")
    else:
        admin = request.getfixturevalue("sso_admin")
        admin.is_superuser = True  # every admin page, not only the index
        admin.save(update_fields=["is_superuser"])
        client = request.getfixturevalue("sso_admin_client")
    client.raise_request_exception = False
    return client


def _send(client: Client, probe: Probe):
    if probe.method == "GET":
        return client.get(probe.path)
    return client.post(
        probe.path, data=probe.body, content_type="application/x-www-form-urlencoded"
    )


def _failure(probe: Probe, response) -> str:
    where = ""
    if response.exc_info:
        _, exc, tb = response.exc_info
        while tb.tb_next:
            tb = tb.tb_next
        frame = tb.tb_frame
        where = (
            f": {type(exc).__name__}: {str(exc)[:200]} at {frame.f_code.co_filename}:{tb.tb_lineno}"
        )
    return f"{response.status_code} {probe.describe()}{where}"


@pytest.mark.parametrize("role", ROLES)
def test_no_url_answers_500(role, world, request):
    client = _client_for(role, request)
    probes = _probes(world, ROLES.index(role))
    failures, statuses, xero_seen = [], Counter(), set()
    for probe in probes:
        response = _send(client, probe)
        statuses[response.status_code] += 1
        if response.status_code >= 500 or response.exc_info:
            failures.append(_failure(probe, response))
        elif response.status_code == 200 and probe.pattern.name == "linking:xero_tab":
            text = response.content.decode()
            xero_seen |= {name for name in world.xero_names if name in text}
    assert not failures, f"{len(failures)} of {len(probes)} requests failed:\n" + "\n".join(
        failures[:60]
    )
    assert statuses[200] > 10, statuses  # the walk reached pages, not only redirects
    if role.startswith("sso"):
        # The Xero tabs were really shown, with the linked contacts' and invoices' data.
        assert xero_seen == set(world.xero_names), xero_seen


def test_the_walk_reaches_every_pattern(db):
    """Each pattern of the CRM is requested with a path the resolver sends to it."""
    world = World({}, ())
    world.pks.update({k: 1 for k in ("organization", "contact", "opportunity", "project")})
    reached = set()
    resolver = get_resolver()
    for probe in _probes(world, 0):
        try:
            match = resolver.resolve(unquote(probe.path.split("?")[0]))
        except Resolver404:
            continue
        reached.add(match.route)
    routes = {p.route for p in _patterns()}
    assert len(routes) > 100
    assert sorted(routes - reached) == []
