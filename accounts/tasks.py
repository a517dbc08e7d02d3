"""Upkeep of the web login: expired sessions deleted on a schedule (CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.core.management import call_command


@shared_task
def sessions_clear() -> None:
    """Django deletes an expired session row only when its browser comes back; the others
    stay in django_session for good unless `clearsessions` removes them."""
    call_command("clearsessions")
