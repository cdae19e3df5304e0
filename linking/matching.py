"""Which Xero contacts may be a CRM record, and why.

An exact match has the same name (ignoring case) or the same email. A possible match has the same
name once case, accents, punctuation and common company forms ("Pty Ltd", "Inc", "Univ.", "&")
are set aside, or, for an organization, its email or website domain is the Xero contact's email
domain (never a free mail domain such as gmail.com). Every match says why, in words people read.

Xero's `searchTerm` is a case-insensitive contains-search over a contact's name, first and last
names, number and email (https://developer.xero.com/documentation/api/accounting/contacts), so a
near miss is found by searching the name's core ("Ridgeway" for "Ridgeway University": it finds
"Ridgeway Univ.") and an organization's domain ("ridgeway.edu.au").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import pairwise
from urllib.parse import urlsplit

from linking import xero
from linking.models import XeroConnection
from linking.records import RecordProfile
from linking.xero import Contact

EXACT = "Exact match"
POSSIBLE = "Possible match"
SAME_NAME = "Same name"
SAME_EMAIL = "Same email"

# A word: letters and digits, with inner apostrophes or dots ("O'Brien", "U.S.A."), and an ending
# dot ("Univ.", "Pty."); or an ampersand.
_WORD = re.compile(r"&|[^\W_]+(?:['\u2019.][^\W_]+)*\.?")
_WORD_PUNCTUATION = str.maketrans("", "", "'\u2019.")
# Letters that Unicode does not decompose into a base letter and an accent.
_UNACCENT = str.maketrans(
    {"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "\u0131": "i", "æ": "ae",
     "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "Th"}
)  # fmt: skip
# Spellings of one word: each maps to the one it is compared as.
_SPELLINGS = {
    "&": "and",
    "univ": "university",
    "limited": "ltd",
    "incorporated": "inc",
    "company": "co",
    "corporation": "corp",
    "proprietary": "pty",
}
# Company forms set aside at the end of a name ("Acme Pty Ltd" is "Acme"; "Smith & Co" is "Smith").
COMPANY_FORMS = frozenset({"ltd", "pty", "inc", "co", "corp", "llc", "llp", "plc"})
# Also left out of the name's search term, so that "Ridgeway University" finds "Ridgeway Univ.".
_SEARCH_FORMS = COMPANY_FORMS | {"university"}
_MIN_SEARCH_TERM = 3

# Domains that many unrelated people share: the same one says nothing about who someone works for.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "outlook.com.au", "hotmail.com",
        "hotmail.co.uk", "hotmail.co.nz", "hotmail.com.au", "live.com", "live.com.au", "msn.com",
        "yahoo.com", "yahoo.com.au", "yahoo.co.nz", "yahoo.co.uk", "ymail.com", "rocketmail.com",
        "icloud.com", "me.com", "mac.com", "aol.com", "bigpond.com", "bigpond.net.au",
        "bigpond.com.au", "optusnet.com.au", "iinet.net.au", "tpg.com.au", "internode.on.net",
        "westnet.com.au", "dodo.com.au", "xtra.co.nz", "orcon.net.nz", "slingshot.co.nz",
        "vodafone.co.nz", "paradise.net.nz", "clear.net.nz", "protonmail.com", "proton.me",
        "pm.me", "gmx.com", "gmx.net", "mail.com", "zoho.com", "yandex.com", "fastmail.com",
        "hey.com", "qq.com", "163.com",
    }
)  # fmt: skip
# Names reserved for examples and tests (RFC 2606, RFC 6761): no one's company.
_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
_RESERVED_TLDS = ("test", "example", "invalid", "localhost", "local")


@dataclass(frozen=True)
class Match:
    """A Xero contact found for a record: exact, possible (`reasons` say why) or another hit."""

    contact: Contact
    exact: bool = False
    reasons: tuple[str, ...] = ()

    @property
    def possible(self) -> bool:
        return not self.exact and bool(self.reasons)

    @property
    def badge(self) -> str:
        """The words on the badge: "Exact match", "Possible match", or "" for another search hit."""
        return EXACT if self.exact else POSSIBLE if self.reasons else ""

    @property
    def reason(self) -> str:
        """E.g. "Same name; same email" or "Same name apart from “Inc”"."""
        return "; ".join(r if i == 0 else r[0].lower() + r[1:] for i, r in enumerate(self.reasons))


# ------------------------------------------------------------------------------------ names


@dataclass(frozen=True)
class _Word:
    raw: str
    start: int
    end: int

    @property
    def folded(self) -> str:
        """Case folded, without in-word punctuation: what is left to differ is accents."""
        return self.raw.casefold().translate(_WORD_PUNCTUATION)

    @property
    def key(self) -> str:
        return unaccented(self.raw).casefold().translate(_WORD_PUNCTUATION)

    @property
    def canon(self) -> str:
        return _SPELLINGS.get(self.key, self.key)


def unaccented(text: str) -> str:
    """The text without accents: "Café Ümlaut" is "Cafe Umlaut"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNACCENT))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def composed(text: str) -> str:
    """The text with each accented letter as one character ("é", not "e" and an accent)."""
    return unicodedata.normalize("NFC", text)


def _words(text: str) -> list[_Word]:
    """The words of a composed text."""
    return [_Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def same_name(a: str, b: str) -> bool:
    """The same name ignoring case and spacing."""

    def folded(text: str) -> str:
        return " ".join(composed(text).casefold().split())

    return bool(a.strip()) and folded(a) == folded(b)


@dataclass(frozen=True)
class _Parts:
    """A name's words split into a leading "The", the core, and the company forms at the end."""

    lead: list[_Word]
    core: list[_Word]
    trail: list[_Word]


def _parts(words: list[_Word], forms: frozenset[str]) -> _Parts:
    start, end = 0, len(words)
    if end and words[0].canon == "the":
        start = 1
    while end > start and words[end - 1].canon in forms:
        end -= 1
        if end > start and words[end - 1].canon == "and":  # "Smith & Co"
            end -= 1
    return _Parts(words[:start], words[start:end], words[end:])


def _span(text: str, run: list[_Word]) -> str:
    return text[run[0].start : run[-1].end]


def _separators(text: str, words: list[_Word]) -> list[str]:
    """The punctuation between consecutive words (spaces do not count)."""
    return [text[a.end : b.start].strip() for a, b in pairwise(words)]


def _same_forms(a: list[_Word], b: list[_Word]) -> tuple[int, int]:
    """How many company forms both names start their forms with, and then end them with."""
    n = 0
    while n < min(len(a), len(b)) and a[n].canon == b[n].canon:
        n += 1
    m = 0
    while m < min(len(a), len(b)) - n and a[-1 - m].canon == b[-1 - m].canon:
        m += 1
    return n, m


@dataclass(frozen=True)
class _Alignment:
    """Two names word by word: the core's pairs, the other pairs, the forms only one name has."""

    core: list[tuple[_Word, _Word]]
    others: list[tuple[_Word, _Word]]
    removed: list[str]


def _aligned(ours_text: str, theirs_text: str) -> _Alignment | None:
    """The names' words in pairs, or None when they differ in more than company forms."""
    ours, theirs = _words(ours_text), _words(theirs_text)
    if not ours:
        return None
    if [w.canon for w in ours] == [w.canon for w in theirs]:
        return _Alignment(list(zip(ours, theirs, strict=True)), [], [])
    a, b = _parts(ours, COMPANY_FORMS), _parts(theirs, COMPANY_FORMS)
    if not a.core or [w.canon for w in a.core] != [w.canon for w in b.core]:
        return None
    others: list[tuple[_Word, _Word]] = []
    removed: list[tuple[str, list[_Word]]] = []
    if a.lead and b.lead:
        others += zip(a.lead, b.lead, strict=True)
    else:
        removed += [(ours_text, a.lead), (theirs_text, b.lead)]
    # "Acme Pty Limited" and "Acme Ltd" differ by "Pty" (and spell "Ltd" two ways).
    n, m = _same_forms(a.trail, b.trail)
    others += zip(a.trail[:n], b.trail[:n], strict=True)
    others += zip(a.trail[len(a.trail) - m :], b.trail[len(b.trail) - m :], strict=True)
    removed += [(ours_text, a.trail[n : len(a.trail) - m])]
    removed += [(theirs_text, b.trail[n : len(b.trail) - m])]
    return _Alignment(
        list(zip(a.core, b.core, strict=True)),
        others,
        [_span(text, run) for text, run in removed if run],
    )


def near_name(record_name: str, xero_name: str) -> str | None:
    """Why two names are the same name apart from spelling ("Same name apart from “Inc”"), or None.

    None also for names that are simply the same (`same_name`).
    """
    record_name, xero_name = composed(record_name), composed(xero_name)
    if same_name(record_name, xero_name) or (aligned := _aligned(record_name, xero_name)) is None:
        return None
    pairs = aligned.core + aligned.others
    written = [f"“{b.raw}” for “{a.raw}”" for a, b in pairs if a.key != b.key]
    accents = any(a.key == b.key and a.folded != b.folded for a, b in pairs)
    punctuation = any(
        a.key == b.key and unaccented(a.raw).casefold() != unaccented(b.raw).casefold()
        for a, b in pairs
    ) or _separators(record_name, [a for a, _ in aligned.core]) != _separators(
        xero_name, [b for _, b in aligned.core]
    )
    if not aligned.removed and not written and not accents:
        punctuation = True  # e.g. "Acme, Inc." and "Acme Inc": only the marks differ
    phrases = []
    if aligned.removed:
        phrases.append("apart from " + " and ".join(f"“{r}”" for r in aligned.removed))
    if written:
        phrases.append("with " + ", ".join(written))
    if accents or punctuation:
        ignored = [w for w, on in (("accents", accents), ("punctuation", punctuation)) if on]
        phrases.append("ignoring " + " and ".join(ignored))
    return "Same name " + ", ".join(phrases)


def search_core(name: str) -> str:
    """The part of the name to search Xero for: without "The" and the company forms at the end.

    A part of the name as typed, so its contains-search finds all the whole name would.
    """
    name = composed(name).strip()
    core = _parts(_words(name), _SEARCH_FORMS).core
    term = _span(name, core) if core else ""
    return term if len(term) >= _MIN_SEARCH_TERM else name


def _and_variant(term: str) -> str:
    """The term with "&" written "and" and "and" written "&" ("" when it has neither)."""
    words = _words(term)
    if not any(w.canon == "and" for w in words):
        return ""
    out, at = [], 0
    for w in words:
        if w.canon == "and":
            out += [term[at : w.start], "and" if w.raw == "&" else "&"]
            at = w.end
    return "".join([*out, term[at:]])


# ---------------------------------------------------------------------------------- domains


def email_domain(email: str) -> str:
    _, at, domain = email.strip().rpartition("@")
    return domain.strip().rstrip(".").casefold() if at else ""


def website_domain(website: str) -> str:
    text = website.strip()
    if not text:
        return ""
    try:
        host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    except ValueError:  # e.g. "http://[::1": not a web address
        return ""
    host = host.rstrip(".").casefold()
    return host.removeprefix("www.")


def distinctive(domain: str) -> bool:
    """A domain that says which company someone is with (not a free mail or reserved one)."""
    if "." not in domain or domain in FREE_MAIL_DOMAINS:
        return False
    if domain.rsplit(".", 1)[-1] in _RESERVED_TLDS:
        return False
    return not any(domain == d or domain.endswith(f".{d}") for d in _RESERVED_DOMAINS)


def record_domains(profile: RecordProfile) -> list[str]:
    """An organization's distinctive email and website domains (a person's say nothing)."""
    if profile.kind != "organization":
        return []
    found = [email_domain(profile.email), website_domain(profile.website)]
    return [d for i, d in enumerate(found) if d and distinctive(d) and d not in found[:i]]


# ---------------------------------------------------------------------------------- matching


def _names(profile: RecordProfile, contact: Contact) -> list[str]:
    """The Xero contact's names to compare with the record's: its name, and a person's full name."""
    names = [contact.name]
    full = f"{contact.first_name} {contact.last_name}".strip()
    if profile.kind == "contact" and full:
        names.append(full)
    return names


def match(profile: RecordProfile, contact: Contact) -> Match:
    """The Xero contact as a match for the record: exact, possible, or neither, with the reasons."""
    names = _names(profile, contact)
    exact = []
    if any(same_name(profile.name, n) for n in names):
        exact.append(SAME_NAME)
    email = profile.email.strip().casefold()
    if email and email == contact.email.strip().casefold():
        exact.append(SAME_EMAIL)
    near = [] if SAME_NAME in exact else [r for n in names if (r := near_name(profile.name, n))]
    if exact:
        return Match(contact, True, (*exact, *near[:1]))
    domain = email_domain(contact.email)
    by_domain = [f"Same email domain ({domain})"] if domain in record_domains(profile) else []
    return Match(contact, False, (*near[:1], *by_domain))


def _rank(m: Match) -> tuple[int, str]:
    """Exact matches, then possible ones by name, then by email domain, then the other hits."""
    if m.exact:
        tier = 0
    elif not m.reasons:
        tier = 3
    else:
        tier = 1 if m.reasons[0].startswith(SAME_NAME) else 2
    return tier, m.contact.name.casefold()


@dataclass(frozen=True)
class Search:
    """One Xero search, and which of its hits are listed when they do not match the record:
    "all", "matches" (none), or "name" (those holding the record's whole name)."""

    term: str
    lists: str = "matches"


def search_terms(profile: RecordProfile) -> list[Search]:
    """What to ask Xero for.

    A person: the full name and the email, every hit listed. An organization: the name's core
    (finding all the whole name would, and near misses), the same with "&" for "and", and each
    distinctive domain; of these, hits are listed that match or hold the whole name, as a search
    for the name would list them.
    """
    if profile.kind == "contact":
        searches = [Search(profile.name.strip(), "all"), Search(profile.email.strip(), "all")]
    else:
        name = composed(profile.name).strip()
        core = search_core(name)
        searches = [Search(core, "all" if core == name else "name"), Search(_and_variant(core))]
        searches += [Search(domain) for domain in record_domains(profile)]
    seen: set[str] = set()
    unique = []
    for search in searches:
        if search.term and search.term.casefold() not in seen:
            seen.add(search.term.casefold())
            unique.append(search)
    return unique


def _holds(contact: Contact, text: str) -> bool:
    """The contact's name, names or email contain the text, ignoring case (as Xero searches)."""
    wanted = text.casefold()
    fields = (contact.name, contact.first_name, contact.last_name, contact.email)
    return any(wanted in field.casefold() for field in fields)


def contact_matches(*, connection: XeroConnection, profile: RecordProfile) -> list[Match]:
    """Xero contacts that may be this record: exact matches, then possible ones, then other hits.

    One Xero search per term of `search_terms` (each cached by the seam).
    """
    found: dict[str, Contact] = {}
    listed: set[str] = set()
    for search in search_terms(profile):
        for contact in xero.search_contacts(connection, search.term):
            found.setdefault(contact.contact_id, contact)
            if search.lists == "all" or (
                search.lists == "name" and _holds(contact, profile.name.strip())
            ):
                listed.add(contact.contact_id)
    matches = [match(profile, c) for c in found.values()]
    kept = [m for m in matches if m.reasons or m.contact.contact_id in listed]
    return sorted(kept, key=_rank)


def contact_search(
    *, connection: XeroConnection, text: str, profile: RecordProfile | None = None
) -> list[Match]:
    """Xero contacts whose name, names, number or email contain the text.

    With the record's `profile`, each says whether it matches the record, the matches first.
    """
    contacts = xero.search_contacts(connection, text.strip())
    if profile is None:
        return [Match(c, False) for c in contacts]
    return sorted((match(profile, c) for c in contacts), key=_rank)
