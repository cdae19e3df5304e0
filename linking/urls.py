from django.urls import path

from linking import views

app_name = "linking"

urlpatterns = [
    path("xero/tab/<slug:kind>/<int:pk>/", views.xero_tab, name="xero_tab"),
]
