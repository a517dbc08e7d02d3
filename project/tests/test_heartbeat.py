"""Long streamed responses report to gunicorn's arbiter, through the hook in gunicorn.conf.py."""

import runpy
from pathlib import Path

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from invites.services import invite_activate
from project import heartbeat

BASE_DIR = Path(__file__).resolve().parent.parent.parent


class FakeWorker:
    """Stands for a gunicorn worker: counts the reports it gets."""

    def __init__(self) -> None:
        self.notified = 0

    def notify(self) -> None:
        self.notified += 1


@pytest.fixture
def worker(monkeypatch):
    fake = FakeWorker()
    monkeypatch.setattr(heartbeat._Heartbeat, "worker", None)
    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    config["post_worker_init"](fake)  # as gunicorn calls it in each worker
    return fake


def test_gunicorns_hook_registers_the_worker(worker):
    assert heartbeat._Heartbeat.worker is worker
    heartbeat.alive()
    assert worker.notified == 1


@pytest.mark.django_db
def test_the_csv_export_reports_once_per_block(worker, client, monkeypatch):
    inviter = UserFactory()
    for _ in range(3):
        invite_activate(user=UserFactory(), code=inviter.invite.code)
    client.force_login(User.objects.create_superuser(phone="+79000000001", password="pass"))
    response = client.get("/admin/invites/referral/export.csv")
    assert worker.notified == 0  # nothing reported before the download is read
    blocks = list(response.streaming_content)
    assert worker.notified == len(blocks) == 2  # the header, then one block of 3 rows


def test_outside_gunicorn_reporting_does_nothing(monkeypatch):
    monkeypatch.setattr(heartbeat._Heartbeat, "worker", None)
    heartbeat.alive()
    assert list(heartbeat.reporting_alive(["a", "b"])) == ["a", "b"]
