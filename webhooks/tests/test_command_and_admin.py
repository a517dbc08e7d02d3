"""Adding endpoints (`manage.py webhook_add`, the admin: the secret shown once) and the
admin's delivery log with its "resend" action."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import webhook_emit

pytestmark = pytest.mark.django_db

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_webhook_add_prints_a_drawn_secret(capsys):
    call_command("webhook_add", "https://crm.example.com/hooks/referral")
    out, err = capsys.readouterr()
    endpoint = WebhookEndpoint.objects.get()
    assert out.strip() == endpoint.secret
    assert endpoint.secret.startswith("whsec_")
    assert (endpoint.url, endpoint.events, endpoint.active) == (
        "https://crm.example.com/hooks/referral",
        [],
        True,
    )
    assert "events: all" in err


def test_webhook_add_with_events_and_a_secret(capsys):
    call_command(
        "webhook_add",
        "http://127.0.0.1:9000/hook",
        "--event",
        "invite.activated",
        "--event",
        "user.created",
        "--secret",
        SECRET,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["invite.activated", "user.created"]
    assert endpoint.secret == SECRET
    assert capsys.readouterr().out.strip() == SECRET


@pytest.mark.parametrize(
    "args",
    [
        ["not a url"],
        ["ftp://example.com/hook"],
        ["https://example.com/hook", "--secret", "whsec_short"],
        ["https://example.com/hook", "--secret", "plaintext-password-123456789"],
    ],
)
def test_webhook_add_refuses_bad_input(args):
    with pytest.raises(CommandError):
        call_command("webhook_add", *args)
    assert not WebhookEndpoint.objects.exists()


def test_webhook_add_refuses_an_unknown_event():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("webhook_add", "https://example.com/hook", "--event", "user.deleted")


@pytest.fixture
def operator(client):
    client.force_login(User.objects.create_superuser(phone="+79000000001", password="pass"))
    return client


def test_the_admin_shows_the_secret_once_at_creation(operator):
    response = operator.post(
        "/admin/webhooks/webhookendpoint/add/",
        {"url": "https://crm.example.com/hook", "events": ["invite.activated"], "active": "on"},
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["invite.activated"]
    shown = [str(m) for m in response.context["messages"]]
    assert any(endpoint.secret in message for message in shown)
    change = operator.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/")
    assert endpoint.secret not in change.content.decode()
    assert f"whsec_…{endpoint.secret[-4:]}" in change.content.decode()


def test_the_admin_takes_a_given_secret_and_refuses_a_bad_one(operator):
    operator.post(
        "/admin/webhooks/webhookendpoint/add/",
        {"url": "https://a.example.com/hook", "secret": SECRET, "active": "on"},
    )
    assert WebhookEndpoint.objects.get().secret == SECRET
    bad = operator.post(
        "/admin/webhooks/webhookendpoint/add/",
        {"url": "https://b.example.com/hook", "secret": "whsec_bad", "active": "on"},
    )
    assert bad.status_code == 200
    assert "secret" in bad.context["adminform"].form.errors
    assert WebhookEndpoint.objects.count() == 1


def test_the_delivery_log_lists_attempts_and_resends(operator, django_capture_on_commit_callbacks):
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook")
    with django_capture_on_commit_callbacks():
        [delivery] = webhook_emit(event="user.created", data={"phone": "+79031112233"})
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=8)
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=8,
        started_at=delivery.created,
        duration_ms=5000,
        error="timeout: ReadTimeout",
        succeeded=False,
    )
    page = operator.get(f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/")
    assert "timeout: ReadTimeout" in page.content.decode()
    listing = operator.get("/admin/webhooks/webhookdelivery/", {"status__exact": "failed"})
    assert [d.pk for d in listing.context["cl"].result_list] == [delivery.pk]

    with django_capture_on_commit_callbacks() as queued:
        operator.post(
            "/admin/webhooks/webhookdelivery/",
            {"action": "resend", "_selected_action": [delivery.pk]},
        )
    assert len(queued) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_limit) == ("pending", 16)
