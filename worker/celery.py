"""The Celery app, configured from Django's CELERY_* settings; tasks come from the apps."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.local")

# Every task's base class: a retry that cannot be published requeues its message (durable.py).
app = Celery("referral", task_cls="worker.durable:DurableTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Connects the signal that serves the worker's metrics.
from worker import metrics  # noqa: E402, F401
