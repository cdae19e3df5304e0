from django.urls import path

from linking import views

app_name = "linking"

urlpatterns = [
    path("xero/tab/<slug:kind>/<int:pk>/", views.xero_tab, name="xero_tab"),
    path("integrations/", views.integrations, name="integrations"),
    path("integrations/xero/connect", views.xero_connect, name="xero_connect"),
    path("integrations/xero/callback", views.xero_callback, name="xero_callback"),
    path("integrations/xero/choose", views.xero_choose, name="xero_choose"),
    path("integrations/xero/check", views.xero_check, name="xero_check"),
    path("integrations/xero/disconnect", views.xero_disconnect, name="xero_disconnect"),
]
