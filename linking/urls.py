from django.urls import path

from linking import views, webhooks

app_name = "linking"

tab = "xero/tab/<slug:kind>/<int:pk>/"

urlpatterns = [
    path(tab, views.xero_tab, name="xero_tab"),
    path(f"{tab}refresh", views.xero_refresh, name="xero_refresh"),
    path(f"{tab}link", views.xero_link, name="xero_link"),
    path(f"{tab}new-contact", views.xero_new_contact, name="xero_new_contact"),
    path(f"{tab}unlink", views.xero_unlink, name="xero_unlink"),
    path(f"{tab}copy-to-xero", views.xero_copy_to, name="xero_copy_to"),
    path(f"{tab}copy-from-xero", views.xero_copy_from, name="xero_copy_from"),
    path(f"{tab}invoice", views.xero_invoice, name="xero_invoice"),
    path(f"{tab}find", views.deal_find, name="deal_find"),
    path(f"{tab}link-item", views.deal_link, name="deal_link"),
    path(f"{tab}unlink-item", views.deal_unlink, name="deal_unlink"),
    path(f"{tab}deal-invoice", views.deal_invoice, name="deal_invoice"),
    path(f"{tab}contact-picker", views.deal_contact_picker, name="deal_contact_picker"),
    path("integrations/", views.integrations, name="integrations"),
    path("integrations/xero/connect", views.xero_connect, name="xero_connect"),
    path("integrations/xero/callback", views.xero_callback, name="xero_callback"),
    path("integrations/xero/choose", views.xero_choose, name="xero_choose"),
    path("integrations/xero/check", views.xero_check, name="xero_check"),
    path("integrations/xero/disconnect", views.xero_disconnect, name="xero_disconnect"),
    path("integrations/xero/webhooks", webhooks.xero_webhook, name="xero_webhook"),
]
