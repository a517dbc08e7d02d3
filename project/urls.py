"""The project's URLs: the web pages, the API under /api/v1/, the admin, the service endpoints."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path, re_path

from accounts import views as accounts_views
from invites import views as invites_views
from project import views
from project.metrics import metrics
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

# Swagger UI and ReDoc run only their own scripts (static files), but style their pages from
# script (ReDoc's styled-components, insQ's animation rule) and draw icons as data: SVGs;
# ReDoc's search runs in a Worker it makes from a blob. Scripts stay 'self' only, and the
# pages show nothing but the project's own schema. Nothing from the internet (ReDoc's
# "by Redocly" logo stays blocked).
API_DOCS_CSP = {"style-src": [UNSAFE_INLINE], "img-src": ["data:"]}
swagger_csp = csp_update(API_DOCS_CSP)
redoc_csp = csp_update({**API_DOCS_CSP, "worker-src": ["blob:"]})

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path(
        "api/schema.json",
        schema_view.without_ui(cache_timeout=0),
        {"format": "json"},
        name="schema",
    ),
    path(
        "api/docs/",
        swagger_csp(schema_view.with_ui("swagger", cache_timeout=0)),
        name="swagger-ui",
    ),
    path("api/redoc/", redoc_csp(schema_view.with_ui("redoc", cache_timeout=0)), name="redoc"),
    # Last of the API: anything else under /api/ is a JSON 404, not an HTML page or a redirect.
    re_path(r"^api/", views.api_not_found),
    path("", include((web, "web"))),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the language switch
]

handler400 = "project.views.bad_request"
handler500 = "project.views.server_error"
