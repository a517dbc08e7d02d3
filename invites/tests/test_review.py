"""The fraud review in the admin (the flagged filter, confirm / reject / restore in the
history), what a rejection hides, the reports and the streamed CSV export."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from invites.exports import referrals_csv
from invites.models import InviteCode, Referral
from invites.selectors import referrals_export_rows
from invites.services import invite_activate, invite_login_record, referral_review

REFERRALS = "/admin/invites/referral/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    admin = User.objects.create_superuser(phone="+79000000001", password="pass")
    client.force_login(admin)
    return client


def count_of(user) -> int:
    return InviteCode.objects.get(pk=user.pk).referrals_count


@pytest.fixture
def flagged_and_clean():
    """An inviter with one flagged (same network) and one clean referral."""
    inviter = UserFactory()
    invite_login_record(user=inviter, ip="203.0.113.7")
    flagged = invite_activate(user=UserFactory(), code=inviter.invite.code, ip="203.0.113.8")
    clean = invite_activate(user=UserFactory(), code=inviter.invite.code, ip="198.51.100.1")
    return inviter, flagged, clean


def act(operator, action: str, *referrals):
    return operator.post(
        REFERRALS,
        {"action": action, "_selected_action": [r.pk for r in referrals]},
        follow=True,
    )


def test_the_flagged_filter_lists_only_flagged_referrals(operator, flagged_and_clean):
    _inviter, flagged, clean = flagged_and_clean
    listed = operator.get(REFERRALS, {"flagged": "yes"}).context["cl"].result_list
    assert [r.pk for r in listed] == [flagged.pk]
    unflagged = operator.get(REFERRALS, {"flagged": "no"}).context["cl"].result_list
    assert [r.pk for r in unflagged] == [clean.pk]


def test_the_flags_and_addresses_are_shown_on_the_referral(operator, flagged_and_clean):
    _inviter, flagged, _clean = flagged_and_clean
    page = operator.get(f"{REFERRALS}{flagged.pk}/change/").content.decode()
    assert "same network as the inviter&#x27;s last login" in page
    assert "203.0.113.8" in page
    assert "203.0.113.7" in page
    assert "pending review" in page.lower()


def test_confirm_reject_and_restore_are_recorded_in_the_history(operator, flagged_and_clean):
    inviter, flagged, clean = flagged_and_clean
    assert count_of(inviter) == 2

    act(operator, "confirm", flagged)
    flagged.refresh_from_db()
    assert flagged.status == "active"
    assert count_of(inviter) == 2

    act(operator, "reject", flagged, clean)
    assert set(Referral.objects.values_list("status", flat=True)) == {"rejected"}
    assert count_of(inviter) == 0

    act(operator, "restore", flagged, clean)
    flagged.refresh_from_db()
    clean.refresh_from_db()
    # Back to what the activation decided: the flagged one to review, the clean one active.
    assert (flagged.status, clean.status) == ("pending_review", "active")
    assert count_of(inviter) == 2

    history = [
        entry.get_change_message()
        for entry in LogEntry.objects.filter(object_id=str(flagged.pk)).order_by(
            "action_time", "id"
        )
    ]
    assert history == [
        "Confirmed: pending_review -> active",
        "Rejected: active -> rejected",
        "Restored: rejected -> pending_review",
    ]


def test_a_decision_that_does_not_apply_changes_nothing_and_says_so(operator, flagged_and_clean):
    inviter, _flagged, clean = flagged_and_clean
    response = act(operator, "restore", clean)  # not rejected
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    clean.refresh_from_db()
    assert clean.status == "active"
    assert count_of(inviter) == 2
    assert not LogEntry.objects.exists()


def test_a_rejected_referral_is_listed_nowhere_and_not_counted(auth_api, client, flagged_and_clean):
    inviter, flagged, clean = flagged_and_clean
    referral_review(referral_id=flagged.pk, decision="reject")
    api = auth_api(inviter)
    profile = api.get("/api/v1/profile/").json()
    assert profile["referrals_count"] == 1
    assert [r["phone"] for r in profile["referrals"]] == [clean.invitee.phone]
    listed = api.get("/api/v1/profile/referrals/").json()["results"]
    assert [r["phone"] for r in listed] == [clean.invitee.phone]
    client.force_login(inviter)
    page = client.get("/profile/")
    assert [r["phone"] for r in page.context["referrals"]] == [clean.invitee.phone]
    assert flagged.invitee.phone not in page.content.decode()
    # The invitee's one activation is used up all the same.
    second = auth_api(flagged.invitee).post(
        "/api/v1/profile/invite/", {"invite_code": UserFactory().invite.code}
    )
    assert second.json()["code"] == "invite_already_activated"


def test_review_actions_need_the_change_permission(client, flagged_and_clean):
    _inviter, flagged, _clean = flagged_and_clean
    viewer = User.objects.create_user(phone="+79000000002", password="pass", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_referral"))
    client.force_login(viewer)
    page = client.get(REFERRALS)
    assert page.status_code == 200
    assert page.context["action_form"] is None  # no action offered
    act(client, "reject", flagged)
    flagged.refresh_from_db()
    assert flagged.status == "pending_review"


# Reports


def test_the_reports_show_the_leaderboard_and_activations_per_day(operator):
    top, second = UserFactory(), UserFactory()
    for _ in range(3):
        invite_activate(user=UserFactory(), code=top.invite.code)
    invite_activate(user=UserFactory(), code=second.invite.code)
    rejected = invite_activate(user=UserFactory(), code=second.invite.code)
    referral_review(referral_id=rejected.pk, decision="reject")
    old = invite_activate(user=UserFactory(), code=second.invite.code)
    Referral.objects.filter(pk=old.pk).update(activated_at=timezone.now() - timedelta(days=40))

    response = operator.get(f"{REFERRALS}reports/")
    assert response.status_code == 200
    leaders = [(row["phone"], row["count"]) for row in response.context["leaders"]]
    assert leaders == [(top.phone, 3), (second.phone, 1)]
    days = response.context["days"]
    assert len(days) == 30
    assert days[-1].count == 4
    assert sum(day.count for day in days) == 4

    today = timezone.now().date()
    wider = operator.get(
        f"{REFERRALS}reports/",
        {"first": (today - timedelta(days=59)).isoformat(), "last": today.isoformat()},
    )
    assert [(r["phone"], r["count"]) for r in wider.context["leaders"]] == [
        (top.phone, 3),
        (second.phone, 2),
    ]
    assert len(wider.context["days"]) == 60
    assert 'id="leaderboard"' in wider.content.decode()


def test_a_bad_period_shows_the_error_and_the_default_period(operator):
    response = operator.get(f"{REFERRALS}reports/", {"first": "2026-05-02", "last": "2026-05-01"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert len(response.context["days"]) == 30


# The CSV export


def test_the_export_streams_every_referral_with_both_phones_time_status_and_flags(
    operator, flagged_and_clean
):
    inviter, flagged, clean = flagged_and_clean
    referral_review(referral_id=clean.pk, decision="reject")
    response = operator.get(f"{REFERRALS}export.csv")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="referrals-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["inviter_phone", "invitee_phone", "activated_at", "status", "flags"]
    flagged.refresh_from_db()
    assert rows[1:] == [
        [
            inviter.phone,
            flagged.invitee.phone,
            flagged.activated_at.isoformat().replace("+00:00", "Z"),
            "pending_review",
            "same_network",
        ],
        [inviter.phone, clean.invitee.phone, rows[2][2], "rejected", ""],
    ]


def test_the_export_pages_by_time_and_id_even_through_ties(django_assert_max_num_queries):
    inviter = UserFactory()
    referrals = [invite_activate(user=UserFactory(), code=inviter.invite.code) for _ in range(11)]
    moment = timezone.now() - timedelta(hours=1)
    # Seven share one time, across the page boundaries of a 3-row page.
    Referral.objects.filter(pk__in=[r.pk for r in referrals[2:9]]).update(activated_at=moment)
    Referral.objects.filter(pk__in=[r.pk for r in referrals[:2]]).update(
        activated_at=moment - timedelta(minutes=1)
    )
    expected = list(Referral.objects.order_by("activated_at", "id").values_list("id", flat=True))
    with django_assert_max_num_queries(4):  # 11 rows in pages of 3: four short queries
        exported = [row[0] for row in referrals_export_rows(chunk_size=3)]
    assert exported == expected


def test_the_csv_comes_in_blocks_of_the_page_size():
    inviter = UserFactory()
    for _ in range(5):
        invite_activate(user=UserFactory(), code=inviter.invite.code)
    blocks = list(referrals_csv(chunk_size=2))
    assert [block.count("\n") for block in blocks] == [1, 2, 2, 1]


def test_only_operators_export(client):
    client.force_login(UserFactory())
    assert client.get(f"{REFERRALS}export.csv").status_code == 302  # to the admin's login


def test_the_export_command_writes_the_same_csv_and_measures_it(tmp_path, capsys):
    inviter = UserFactory()
    for _ in range(3):
        invite_activate(user=UserFactory(), code=inviter.invite.code)
    target = tmp_path / "referrals.csv"
    call_command("export_referrals_csv", output=str(target), measure=True, chunk_size=2)
    assert target.read_text() == "".join(referrals_csv())
    report = capsys.readouterr().err
    assert "rows 3 " in report
    assert "peak RSS before" in report
