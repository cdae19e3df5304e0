from django.urls import path

from linking import webhooks
from linking.views import (
    composer,
    contact_tab,
    deal_tab,
    integrations,
    invoice_detail,
    record_tab,
)

app_name = "linking"

tab = "xero/tab/<slug:kind>/<int:pk>/"

urlpatterns = [
    path(tab, record_tab.xero_tab, name="xero_tab"),
    path(f"{tab}refresh", record_tab.xero_refresh, name="xero_refresh"),
    path(f"{tab}link", contact_tab.xero_link, name="xero_link"),
    path(f"{tab}new-contact", contact_tab.xero_new_contact, name="xero_new_contact"),
    path(f"{tab}unlink", contact_tab.xero_unlink, name="xero_unlink"),
    path(f"{tab}copy-to-xero", contact_tab.xero_copy_to, name="xero_copy_to"),
    path(f"{tab}copy-from-xero", contact_tab.xero_copy_from, name="xero_copy_from"),
    path(f"{tab}invoice", contact_tab.xero_invoice, name="xero_invoice"),
    path(f"{tab}invoice-preview", composer.composer_preview, name="invoice_preview"),
    path(f"{tab}invoice-line", composer.composer_line, name="invoice_line"),
    path(f"{tab}find", deal_tab.deal_find, name="deal_find"),
    path(f"{tab}link-item", deal_tab.deal_link, name="deal_link"),
    path(f"{tab}unlink-item", deal_tab.deal_unlink, name="deal_unlink"),
    path(f"{tab}deal-invoice", deal_tab.deal_invoice, name="deal_invoice"),
    path(f"{tab}contact-picker", deal_tab.deal_contact_picker, name="deal_contact_picker"),
    # Issue 13: an invoice, bill or credit note inside the CRM, as the record's tab shows it.
    path(
        f"{tab}invoices/<uuid:invoice_id>/",
        invoice_detail.invoice_detail,
        name="xero_invoice_detail",
    ),
    path(
        f"{tab}invoices/<uuid:invoice_id>/pdf", invoice_detail.invoice_pdf, name="xero_invoice_pdf"
    ),
    path(
        f"{tab}invoices/<uuid:invoice_id>/online-link",
        invoice_detail.online_invoice_link,
        name="xero_online_invoice_link",
    ),
    path(
        f"{tab}credit-notes/<uuid:credit_note_id>/",
        invoice_detail.credit_note_detail,
        name="xero_credit_note_detail",
    ),
    path("integrations/", integrations.integrations, name="integrations"),
    path("integrations/xero/connect", integrations.xero_connect, name="xero_connect"),
    path("integrations/xero/callback", integrations.xero_callback, name="xero_callback"),
    path("integrations/xero/choose", integrations.xero_choose, name="xero_choose"),
    path("integrations/xero/check", integrations.xero_check, name="xero_check"),
    path("integrations/xero/disconnect", integrations.xero_disconnect, name="xero_disconnect"),
    path("integrations/xero/webhooks", webhooks.xero_webhook, name="xero_webhook"),
]
