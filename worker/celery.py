"""The Celery app, configured from Django's CELERY_* settings; tasks come from the apps."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.local")

app = Celery("referral")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
