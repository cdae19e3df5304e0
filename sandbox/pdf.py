"""The PDF of an invoice, as `GET /Invoices/{InvoiceID}` answers with `Accept: application/pdf`.

A small, dependency-free PDF 1.4 writer: A4 pages of text in the standard Helvetica fonts
(WinAnsiEncoding, so no fonts are embedded), content streams left uncompressed, and a correct
cross-reference table, so that any viewer opens it and its text can be searched.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sandbox.models import Invoice, Organisation

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 50
# Helvetica advance widths (per 1000 em) for the characters amounts are made of; others ~556.
_WIDTHS = {**dict.fromkeys("0123456789", 556), ".": 278, ",": 278, "-": 333, " ": 278,
           "%": 889, "(": 333, ")": 333}  # fmt: skip
TITLES = {"ACCREC": "TAX INVOICE", "ACCPAY": "BILL"}
STATUS_LABELS = {
    "DRAFT": "Draft",
    "SUBMITTED": "Awaiting approval",
    "AUTHORISED": "Awaiting payment",
    "PAID": "Paid",
    "VOIDED": "Voided",
    "DELETED": "Deleted",
}


def text_width(text: str, size: float) -> float:
    """An estimate of the text's width in Helvetica at `size` points."""
    return sum(_WIDTHS.get(ch, 556) for ch in text) * size / 1000


def pdf_text(value: str) -> bytes:
    """A PDF string literal's bytes: WinAnsi (cp1252) text with (, ) and \\ escaped; characters
    that cp1252 lacks lose their accents (ā -> a) or become '?'."""
    out = bytearray()
    for ch in value:
        try:
            encoded = ch.encode("cp1252")
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore") or b"?"
            encoded = base
        for byte in encoded:
            if byte in (0x28, 0x29, 0x5C):  # ( ) \
                out += b"\\"
            if byte < 32:
                continue
            out.append(byte)
    return bytes(out)


@dataclass
class Page:
    """The drawing operations of one page."""

    ops: list[bytes] = field(default_factory=list)

    def text(self, x: float, y: float, value: str, size: float = 10, bold: bool = False) -> None:
        font = b"/F2" if bold else b"/F1"
        self.ops.append(
            b"BT " + font + b" %.1f Tf %.2f %.2f Td (" % (size, x, y) + pdf_text(value) + b") Tj ET"
        )

    def right(self, x: float, y: float, value: str, size: float = 10, bold: bool = False) -> None:
        """Text whose right edge is at x."""
        self.text(x - text_width(value, size), y, value, size, bold)

    def rule(self, y: float, x1: float = MARGIN, x2: float = PAGE_WIDTH - MARGIN) -> None:
        self.ops.append(b"0.6 w %.2f %.2f m %.2f %.2f l S" % (x1, y, x2, y))


def document(pages: Iterable[Page], title: str) -> bytes:
    """A complete PDF file of these pages."""
    pages = list(pages)
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the page tree exists
    tree = add(b"")
    regular = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                  b"/Encoding /WinAnsiEncoding >>")  # fmt: skip
    bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
               b"/Encoding /WinAnsiEncoding >>")  # fmt: skip
    kids = []
    for page in pages:
        stream = b"\n".join(page.ops)
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] "
                % (tree, PAGE_WIDTH, PAGE_HEIGHT)
                + b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> " % (regular, bold)
                + b"/Contents %d 0 R >>" % content
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    objects[tree - 1] = (
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % k for k in kids)
        + b"] /Count %d >>" % len(kids)
    )
    info = add(b"<< /Title (" + pdf_text(title) + b") /Producer (Xero sandbox) >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\n" % (
        len(objects) + 1,
        catalog,
        info,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _money(value: Decimal | str) -> str:
    return f"{Decimal(value):,.2f}"


def _quantity(value: str) -> str:
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# Column right edges (or left, for the description) of the line table.
COL_DESCRIPTION, COL_QTY, COL_PRICE, COL_DISC, COL_TAX, COL_AMOUNT = 50, 310, 380, 420, 480, 545


def render_invoice(
    invoice: Invoice,
    organisation: Organisation,
    theme: str = "",
    tax_labels: Mapping[str, str] | None = None,
) -> bytes:
    """The invoice (or bill) as a PDF: header, lines, subtotal, tax, total and amount due.
    `tax_labels` shows a line's tax type as its rate ("10%"); unknown ones show the type."""
    tax_labels = tax_labels or {}
    title = TITLES.get(invoice.type, "INVOICE")
    number = invoice.number or "(no number)"
    pages = [Page()]
    page = pages[0]
    y = PAGE_HEIGHT - MARGIN - 10
    page.text(MARGIN, y, title, 20, bold=True)
    page.right(PAGE_WIDTH - MARGIN, y, organisation.name, 12, bold=True)
    y -= 16
    page.right(PAGE_WIDTH - MARGIN, y, organisation.legal_name, 9)
    tax_number = (organisation.document or {}).get("TaxNumber")
    if tax_number:
        y -= 12
        label = "ABN" if organisation.country_code == "AU" else "GST number"
        page.right(PAGE_WIDTH - MARGIN, y, f"{label}: {tax_number}", 9)
    y -= 30
    page.text(MARGIN, y, "To" if invoice.type == "ACCREC" else "From", 9, bold=True)
    page.text(MARGIN, y - 14, invoice.contact.name[:80], 11)
    header = [
        ("Invoice Number" if invoice.type == "ACCREC" else "Reference", number),
        ("Invoice Date", invoice.date.strftime("%d %b %Y")),
        ("Due Date", invoice.due_date.strftime("%d %b %Y") if invoice.due_date else ""),
        ("Reference", invoice.reference if invoice.type == "ACCREC" else ""),
        ("Status", STATUS_LABELS.get(invoice.status, invoice.status)),
        ("Currency", invoice.currency),
        ("Theme", theme),
    ]
    for label, value in header:
        if not value:
            continue
        page.text(330, y, label, 9, bold=True)
        page.text(430, y, value[:40], 9)
        y -= 13
    y -= 20
    amounts = {"Exclusive": "Amounts are tax exclusive", "Inclusive": "Amounts are tax inclusive",
               "NoTax": "No tax"}  # fmt: skip
    page.text(MARGIN, y, amounts.get(invoice.line_amount_types, ""), 8)
    y -= 16

    def table_header(page: Page, y: float) -> float:
        page.text(COL_DESCRIPTION, y, "Description", 9, bold=True)
        page.right(COL_QTY, y, "Quantity", 9, bold=True)
        page.right(COL_PRICE, y, "Unit Price", 9, bold=True)
        page.right(COL_DISC, y, "Disc.", 9, bold=True)
        page.right(COL_TAX, y, "Tax", 9, bold=True)
        page.right(COL_AMOUNT, y, f"Amount {invoice.currency}", 9, bold=True)
        page.rule(y - 5)
        return y - 20

    y = table_header(page, y)
    for line in invoice.document.get("LineItems") or []:
        if y < MARGIN + 120:
            page = Page()
            pages.append(page)
            y = table_header(page, PAGE_HEIGHT - MARGIN - 10)
        description = str(line.get("Description") or "")
        wrapped = _wrap(description, 44) or [""]
        page.text(COL_DESCRIPTION, y, wrapped[0], 9)
        page.right(COL_QTY, y, _quantity(line.get("Quantity", "1")), 9)
        page.right(COL_PRICE, y, _money(line.get("UnitAmount", "0")), 9)
        if line.get("DiscountRate"):
            page.right(COL_DISC, y, f"{_quantity(line['DiscountRate'])}%", 9)
        tax_type = str(line.get("TaxType") or "")
        page.right(COL_TAX, y, tax_labels.get(tax_type, tax_type), 8)
        page.right(COL_AMOUNT, y, _money(line.get("LineAmount", "0")), 9)
        for extra in wrapped[1:4]:
            y -= 12
            page.text(COL_DESCRIPTION, y, extra, 9)
        for entry in line.get("Tracking") or []:
            y -= 11
            page.text(COL_DESCRIPTION + 8, y, f"{entry.get('Name')}: {entry.get('Option')}", 7)
        y -= 16
    page.rule(y + 8)
    y -= 6
    totals = [
        ("Subtotal", _money(invoice.sub_total)),
        ("Total tax", _money(invoice.total_tax)),
        (f"TOTAL {invoice.currency}", _money(invoice.total)),
    ]
    if invoice.amount_paid:
        totals.append(("Less amount paid", _money(invoice.amount_paid)))
    if invoice.amount_credited:
        totals.append(("Less amount credited", _money(invoice.amount_credited)))
    totals.append((f"AMOUNT DUE {invoice.currency}", _money(invoice.amount_due)))
    for label, value in totals:
        strong = label.isupper() or label.startswith(("TOTAL", "AMOUNT"))
        page.right(COL_TAX, y, label, 10, bold=strong)
        page.right(COL_AMOUNT, y, value, 10, bold=strong)
        y -= 16
    for n, each in enumerate(pages, start=1):
        each.text(MARGIN, MARGIN - 20, f"{title} {number} - page {n} of {len(pages)}", 7)
    return document(pages, f"{title} {number}")


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            while len(word) > width:
                if current:
                    lines.append(current)
                    current = ""
                lines.append(word[:width])
                word = word[width:]
            if current and len(current) + 1 + len(word) > width:
                lines.append(current)
                current = word
            else:
                current = f"{current} {word}" if current else word
        lines.append(current)
    return [line for line in lines if line] or lines[:1]
