"""The seam between the CRM and Xero: the only package that imports xero_python.

This module is the one door: code outside `linking/xero/` imports from here (`from linking import
xero`, then `xero.contact_account(...)`), never from the submodules, which are private to the
package (`make lint` checks it with import-linter). Functions take a XeroConnection (for its tenant
and tokens) and return plain dataclasses from `linking.xero.types`; every failure arrives as one
`XeroError`.
"""

from linking.xero.budget import Headroom, background, headroom
from linking.xero.budget import release as release_lock
from linking.xero.client import (
    create_contact,
    create_invoice_draft,
    delete_connection,
    delete_tenant_connection,
    get_contact,
    get_invoice,
    get_organisation,
    list_credit_notes,
    list_invoices,
    list_tenants,
    point_token_urls,
    update_contact,
)
from linking.xero.errors import XeroError
from linking.xero.ids import xero_id
from linking.xero.oauth import authorization_url, exchange_code, new_pkce_pair, revoke
from linking.xero.reads import (
    Account,
    ContactCreditNotes,
    ContactInvoices,
    Items,
    Refetched,
    contact,
    contact_account,
    contact_credit_notes,
    contact_invoices,
    find_invoices,
    items,
    refetch_contacts,
    refetch_credit_notes,
    refetch_invoices,
    remember_contact,
    remember_credit_notes,
    remember_invoices,
    search_contacts,
)
from linking.xero.tokens import refresh_locked
from linking.xero.types import (
    Address,
    Contact,
    ContactDraft,
    CreditNote,
    Invoice,
    InvoiceDraft,
    LineItem,
    Organisation,
    Phone,
    RateLimits,
    Tenant,
    TokenSet,
)

__all__ = [
    "Account",
    "Address",
    "Contact",
    "ContactCreditNotes",
    "ContactDraft",
    "ContactInvoices",
    "CreditNote",
    "Headroom",
    "Invoice",
    "InvoiceDraft",
    "Items",
    "LineItem",
    "Organisation",
    "Phone",
    "RateLimits",
    "Refetched",
    "Tenant",
    "TokenSet",
    "XeroError",
    "authorization_url",
    "background",
    "contact",
    "contact_account",
    "contact_credit_notes",
    "contact_invoices",
    "create_contact",
    "create_invoice_draft",
    "delete_connection",
    "delete_tenant_connection",
    "exchange_code",
    "find_invoices",
    "get_contact",
    "get_invoice",
    "get_organisation",
    "headroom",
    "items",
    "list_credit_notes",
    "list_invoices",
    "list_tenants",
    "new_pkce_pair",
    "point_token_urls",
    "refetch_contacts",
    "refetch_credit_notes",
    "refetch_invoices",
    "refresh_locked",
    "release_lock",
    "remember_contact",
    "remember_credit_notes",
    "remember_invoices",
    "revoke",
    "search_contacts",
    "update_contact",
    "xero_id",
]
