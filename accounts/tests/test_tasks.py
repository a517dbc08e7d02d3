"""The login's periodic upkeep: expired sessions are deleted on a schedule."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.tasks import sessions_clear
from worker.celery import app as celery_app

pytestmark = pytest.mark.django_db


def session(*, expires_in: timedelta) -> str:
    store = SessionStore()
    store["login_phone"] = "+79161234567"
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() + expires_in)
    return store.session_key


def test_clearing_sessions_deletes_the_expired_ones_only():
    expired = session(expires_in=timedelta(seconds=-1))
    live = session(expires_in=timedelta(days=1))
    sessions_clear()
    assert list(Session.objects.values_list("pk", flat=True)) == [live]
    assert not Session.objects.filter(pk=expired).exists()


def test_the_beat_schedule_clears_sessions_daily_with_a_registered_task():
    entry = settings.CELERY_BEAT_SCHEDULE["sessions-clear"]
    celery_app.loader.import_default_modules()
    assert celery_app.tasks[entry["task"]].run == sessions_clear.run
    assert entry["schedule"].remaining_estimate(timezone.now()) <= timedelta(days=1)
