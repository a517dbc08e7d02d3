"""The project's URLs: the API under /api/v1/, its docs, the admin and the service endpoints."""

from django.contrib import admin
from django.urls import include, path, re_path

from project import views
from project.openapi import schema_view

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("invites.urls")),
    path("", include("sms.urls")),
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
]

handler500 = "project.views.server_error"
