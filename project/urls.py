"""The project's URLs: the web pages, the API under /api/v1/, the admin, the service endpoints."""

from django.contrib import admin
from django.urls import include, path, re_path

from accounts import views as accounts_views
from invites import views as invites_views
from project import views
from project.openapi import schema_view

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("invites.urls")),
    path("", include("sms.urls")),
]

# The pages a person uses in a browser (Django templates, session login).
web = [
    path("", accounts_views.PhoneView.as_view(), name="phone"),
    path("code/", accounts_views.CodeView.as_view(), name="code"),
    path("profile/", invites_views.ProfileView.as_view(), name="profile"),
    path("profile/qr/", invites_views.ProfileQrView.as_view(), name="profile-qr"),
    path("logout/", accounts_views.LogoutPage.as_view(), name="logout"),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path(
        "api/schema.json",
        schema_view.without_ui(cache_timeout=0),
        {"format": "json"},
        name="schema",
    ),
    path("api/docs/", schema_view.with_ui("swagger", cache_timeout=0), name="swagger-ui"),
    path("api/redoc/", schema_view.with_ui("redoc", cache_timeout=0), name="redoc"),
    # Last of the API: anything else under /api/ is a JSON 404, not an HTML page or a redirect.
    re_path(r"^api/", views.api_not_found),
    path("", include((web, "web"))),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the language switch
]

handler500 = "project.views.server_error"
