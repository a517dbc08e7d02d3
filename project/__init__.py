"""The Django project: settings, URLs, the API's error handling and the WSGI entry point."""

# Load the Celery app whenever Django starts, so that @shared_task binds to it.
from worker.celery import app as celery_app

# Connects the Celery signals that carry the request id into tasks.
from . import request_id  # noqa: F401

__all__ = ("celery_app",)
