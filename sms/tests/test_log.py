"""The message log: read in the admin (filters, search), pruned by the task Celery beat runs."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from sms.models import SmsLog
from sms.tasks import sms_log_prune

pytestmark = pytest.mark.django_db

LOG = "/admin/sms/smslog/"


@pytest.fixture
def operator(client):
    admin = get_user_model().objects.create_superuser(phone="+79000000001", password="pass")
    client.force_login(admin)
    return client


# The session's worker logs the deliveries of other tests into the same table, committed as
# they happen: the lists below are narrowed to this module's numbers.
MINE = "900555"


@pytest.fixture
def rows():
    return [
        SmsLog.objects.create(phone=f"+7{MINE}8753", backend="smsru", status="delivered"),
        SmsLog.objects.create(phone=f"+7{MINE}4567", backend="twilio", status="failed"),
        SmsLog.objects.create(phone=f"+7{MINE}4568", backend="smsru", status="sent"),
    ]


def listed(operator, **query) -> list[SmsLog]:
    response = operator.get(LOG, {"q": MINE, **query})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_the_admin_filters_the_log_by_status_backend_and_date(operator, rows):
    delivered, failed, sent = rows
    assert listed(operator, status="failed") == [failed]
    assert set(listed(operator, backend="smsru")) == {delivered, sent}
    today = timezone.now()
    query = {"created_at__year": today.year, "created_at__month": today.month}
    assert len(listed(operator, **query)) == 3
    yesterday = today - timedelta(days=1)
    assert listed(operator, created_at__lt=yesterday.isoformat()) == []


def test_the_admin_finds_messages_by_phone(operator, rows):
    assert listed(operator, q=f"{MINE}8753") == [rows[0]]


def test_the_log_is_read_only_in_the_admin(operator, rows):
    assert operator.get(f"{LOG}add/").status_code == 403
    response = operator.post(f"{LOG}{rows[0].pk}/change/", {"status": "failed"})
    assert response.status_code == 403
    rows[0].refresh_from_db()
    assert rows[0].status == "delivered"


def test_pruning_forgets_the_messages_older_than_sms_log_days(settings, rows):
    settings.SMS_LOG_DAYS = 30
    old, borderline, _ = rows
    now = timezone.now()
    SmsLog.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=31))
    SmsLog.objects.filter(pk=borderline.pk).update(created_at=now - timedelta(days=29))
    assert sms_log_prune.apply().get() == 1
    kept = SmsLog.objects.filter(pk__in=[row.pk for row in rows])
    assert set(kept.values_list("pk", flat=True)) == {rows[1].pk, rows[2].pk}
