from django.urls import path

from crm_xero.crm import views

app_name = "crm"


def record_urls(prefix: str, kind: str, list_view, detail, create, update, delete):
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{kind}_list"),
        path(f"{prefix}/new/", create.as_view(), name=f"{kind}_create"),
        path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{kind}_detail"),
        path(f"{prefix}/<int:pk>/edit/", update.as_view(), name=f"{kind}_update"),
        path(f"{prefix}/<int:pk>/delete/", delete.as_view(), name=f"{kind}_delete"),
    ]


urlpatterns = [
    path("", views.home, name="home"),
    *record_urls(
        "organizations",
        "organization",
        views.OrganizationList,
        views.OrganizationDetail,
        views.OrganizationCreate,
        views.OrganizationUpdate,
        views.OrganizationDelete,
    ),
    *record_urls(
        "contacts",
        "contact",
        views.ContactList,
        views.ContactDetail,
        views.ContactCreate,
        views.ContactUpdate,
        views.ContactDelete,
    ),
    *record_urls(
        "opportunities",
        "opportunity",
        views.OpportunityList,
        views.OpportunityDetail,
        views.OpportunityCreate,
        views.OpportunityUpdate,
        views.OpportunityDelete,
    ),
    *record_urls(
        "projects",
        "project",
        views.ProjectList,
        views.ProjectDetail,
        views.ProjectCreate,
        views.ProjectUpdate,
        views.ProjectDelete,
    ),
]
