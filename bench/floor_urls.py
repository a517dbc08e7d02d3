"""The service's URLs, and the floor's views under /floor/ (bench.floor_views)."""

from django.urls import path

from bench import floor_views
from project.urls import handler400, handler500
from project.urls import urlpatterns as service

__all__ = ["handler400", "handler500", "urlpatterns"]

urlpatterns = [
    path("floor/refuse-without-redis/", floor_views.refuse_without_redis),
    path("floor/refuse-after-ping/", floor_views.refuse_after_ping),
    path("floor/send-code/", floor_views.send_code),
    path("floor/verify-code/", floor_views.verify_code),
    *service,
]
