from django.contrib import admin
from django.urls import include, path

from crm_xero.accounts import views as account_views

admin.site.site_header = "CRM administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("profile/", account_views.profile, name="profile"),
    path("", include("linking.urls")),
    path("", include("crm_xero.crm.urls")),
]
