"""The `where` parser: Xero's documented subset filters; anything else is a parse error."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox import contacts, invoices
from sandbox.where import QueryParseError, compile_where, tokenize

CONTACT_ID = uuid.UUID("5cc8cf28-567e-4d43-b287-687cfcaec47c")
INVOICE_ROW = {
    "type": "ACCREC",
    "status": "AUTHORISED",
    "number": "INV-0042",
    "reference": 'Say "hi"',
    "date": date(2025, 3, 14),
    "due_date": None,
    "updated": datetime(2025, 3, 15, 8, 0, tzinfo=UTC),
    "total": Decimal("115.00"),
    "amount_due": Decimal("15.50"),
    "sent_to_contact": True,
    "currency": "AUD",
    "contact__contact_id": CONTACT_ID,
    "contact__name": "O'Brien Plumbing",
}
CONTACT_ROW = {
    "name": "Café Ümlaut",
    "first_name": "",
    "email": "accounts@cafeumlaut.co.nz",
    "status": "ACTIVE",
    "is_customer": True,
    "is_supplier": False,
    "contact_number": "",
}


def invoice_matches(text: str, row: dict | None = None) -> bool:
    return compile_where(text, invoices.FIELDS, "Invoice")(row or INVOICE_ROW)


def contact_matches(text: str, row: dict | None = None) -> bool:
    return compile_where(text, contacts.FIELDS, "Contact")(row or CONTACT_ROW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Type=="ACCREC"', True),
        ('Type == "ACCPAY"', False),
        ('Type="ACCREC"', True),
        ('Status!="PAID"', True),
        ('Status<>"AUTHORISED"', False),
        ("Date >= DateTime(2025, 01, 01) AND Date <= DateTime(2025, 12, 31)", True),
        ("Date >= DateTime(2025, 01, 01) && Date < DateTime(2025, 03, 14)", False),
        ("Date == DateTime(2025,3,14)", True),
        ("UpdatedDateUTC > DateTime(2025, 3, 15, 7, 59, 59)", True),
        ("UpdatedDateUTC > DateTime(2025, 3, 15, 8, 0, 0)", False),
        ("Total > 100", True),
        ("Total >= 115.00 && AmountDue < 15.5", False),
        ("AmountDue > -1", True),
        ("SentToContact == true", True),
        ("SentToContact", True),
        ("!SentToContact", False),
        ("NOT SentToContact OR Total == 115", True),
        ('Type=="ACCPAY" OR (Status=="AUTHORISED" AND Total > 100)', True),
        ('Type=="ACCPAY" || Status=="DRAFT" || Status=="PAID"', False),
        ("DueDate == null", True),
        ("DueDate != null", False),
        ("DueDate > DateTime(2020, 1, 1)", False),
        (f'Contact.ContactID == Guid("{CONTACT_ID}")', True),
        (f'Contact.ContactID == GUID("{str(CONTACT_ID).upper()}")', True),
        (f'Contact.ContactID == "{CONTACT_ID}"', True),
        ('contact.name == "O\'Brien Plumbing"', True),
        ('Contact.Name.StartsWith("O\'B")', True),
        ('Contact.Name.ToLower().Contains("plumb")', True),
        ('Contact.Name.Contains("plumb")', False),
        ('Reference == "Say \\"hi\\""', True),
        ('Reference.EndsWith("\\"hi\\"")', True),
        ('InvoiceNumber.ToUpper() == "INV-0042" and CurrencyCode == "AUD"', True),
        ('type == "ACCREC" AnD status == "AUTHORISED"', True),
    ],
)
def test_invoice_filters(text: str, expected: bool) -> None:
    assert invoice_matches(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Name.ToLower()=="café ümlaut"', True),
        ('Name=="café ümlaut"', False),
        ('EmailAddress=="accounts@cafeumlaut.co.nz"', True),
        ('EmailAddress!=null&&EmailAddress.StartsWith("accounts")', True),
        ('FirstName != null && FirstName.StartsWith("A")', False),
        ('FirstName.StartsWith("A")', False),
        ("ContactNumber == null", True),
        ("IsCustomer==true AND IsSupplier==false", True),
        ('ContactStatus=="ARCHIVED"', False),
        ("(((IsCustomer)))", True),
    ],
)
def test_contact_filters(text: str, expected: bool) -> None:
    assert contact_matches(text) is expected


def test_predicate_reports_the_columns_it_reads() -> None:
    predicate = compile_where('Contact.Name.Contains("x") OR Total > 1', invoices.FIELDS, "Invoice")
    assert predicate.columns == {"contact__name", "total"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Foo == 1", "No property or field 'Foo' exists in type 'Invoice'"),
        ('Contact.Colour == "red"', "No property or field 'Colour' exists in type 'Contact'"),
        ('Type == "ACCREC" AND', "Expression expected"),
        ('Type == "ACCREC', "Unterminated string literal"),
        ("Type == 'ACCREC'", "Syntax error"),
        ("Total > 1 )", "Syntax error"),
        ("(Total > 1", "')' expected"),
        ('Type == "ACCREC" Status == "PAID"', "Syntax error"),
        ("Total", "Expression of type 'Boolean' expected"),
        ('Total == "115"', "incompatible"),
        ("Type > 3", "incompatible"),
        ("SentToContact > false", "incompatible"),
        ("Total AND SentToContact", "incompatible"),
        ('Total.Contains("1")', "No applicable method 'Contains' exists in type 'Decimal'"),
        ('Reference.Substring(1) == "a"', "No applicable method 'Substring'"),
        ("Reference.Contains(1)", "No applicable method 'Contains'"),
        ("Date > DateTime(2025, 13, 1)", "Invalid DateTime"),
        ("Date > DateTime(2025, 1)", "No matching constructor"),
        ('Contact.ContactID == Guid("not-a-guid")', "is not a valid Guid"),
        ("Total > 1; DROP TABLE x", "Syntax error"),
        ("__import__('os')", "Syntax error"),
        ("Total == null == null", "Syntax error"),
    ],
)
def test_bad_where_is_a_parse_error(text: str, message: str) -> None:
    with pytest.raises(QueryParseError) as caught:
        compile_where(text, invoices.FIELDS, "Invoice")
    assert message in caught.value.message


def test_deep_nesting_and_long_chains_are_parse_errors_not_crashes() -> None:
    with pytest.raises(QueryParseError):
        compile_where("(" * 500 + "SentToContact" + ")" * 500, invoices.FIELDS, "Invoice")
    with pytest.raises(QueryParseError):
        compile_where("!" * 500 + "SentToContact", invoices.FIELDS, "Invoice")
    with pytest.raises(QueryParseError):
        compile_where("Reference" + ".ToLower()" * 50 + ' == "x"', invoices.FIELDS, "Invoice")
    long_or = " OR ".join(['Type == "ACCPAY"'] * 200)
    assert compile_where(long_or, invoices.FIELDS, "Invoice")(INVOICE_ROW) is False


def test_tokenizer_keeps_escaped_quotes_inside_strings() -> None:
    tokens = tokenize('Name == "a \\"b\\" \\\\ c"')
    assert [t.kind for t in tokens] == ["IDENT", "OP", "STRING", "EOF"]
    assert tokens[2].value == 'a "b" \\ c'


ALPHABET = st.sampled_from(
    list('()!=<>&|."\\, -_') + list("0123456789") + ["Type", "Date", "Total", "Contact",
    "Name", "ContactID", "DateTime", "Guid", "AND", "OR", "NOT", "null", "true", "Contains",
    "ToLower", "StartsWith", " ", '"x"', "2025", "é"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, database=None)
@given(st.one_of(st.text(max_size=60), st.lists(ALPHABET, max_size=25).map("".join)))
def test_random_text_parses_or_fails_cleanly(text: str) -> None:
    """Random input never crashes: it compiles (and evaluates) or it is a QueryParseError."""
    for fields, entity, row in (
        (invoices.FIELDS, "Invoice", INVOICE_ROW),
        (contacts.FIELDS, "Contact", CONTACT_ROW),
    ):
        try:
            predicate = compile_where(text, fields, entity)
        except QueryParseError:
            continue
        assert predicate(row) in (True, False)
        assert predicate({}) in (True, False)
