"""Fraud signals at activation: the client address, the inviter's last-login address, flags.

A flagged activation succeeds (it is the invitee's one activation) as `pending_review`,
and is listed and counted like an active one.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from invites.models import InviteCode, Referral
from invites.services import invite_activate, invite_login_record, same_network

PROFILE = "/api/v1/profile/"
REFERRALS = "/api/v1/profile/referrals/"
INVITE = "/api/v1/profile/invite/"

pytestmark = pytest.mark.django_db


def inviter_from(ip: str):
    inviter = UserFactory()
    invite_login_record(user=inviter, ip=ip)
    return inviter


def test_an_activation_from_another_network_is_active_and_records_both_addresses():
    inviter = inviter_from("203.0.113.7")
    referral = invite_activate(user=UserFactory(), code=inviter.invite.code, ip="198.51.100.20")
    referral.refresh_from_db()
    assert referral.status == "active"
    assert referral.flags == []
    assert (referral.ip, referral.inviter_ip) == ("198.51.100.20", "203.0.113.7")


def test_an_activation_from_the_inviters_ipv4_slash_24_is_pending_review_but_counted():
    inviter = inviter_from("203.0.113.7")
    referral = invite_activate(user=UserFactory(), code=inviter.invite.code, ip="203.0.113.250")
    referral.refresh_from_db()
    assert referral.status == "pending_review"
    assert referral.flags == ["same_network"]
    assert InviteCode.objects.get(pk=inviter.pk).referrals_count == 1


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("203.0.113.7", "203.0.113.255", True),
        ("203.0.113.7", "203.0.114.7", False),
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", True),  # one /64
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("203.0.113.7", "::ffff:203.0.113.8", False),  # stored addresses are unmapped first
        ("10.0.0.1", "2001:db8::1", False),
    ],
)
def test_same_network_is_ipv4_slash_24_or_ipv6_slash_64(a, b, same):
    assert same_network(a, b) is same


def test_an_ipv4_mapped_ipv6_address_is_stored_as_ipv4_and_compared_so():
    inviter = inviter_from("::ffff:203.0.113.7")
    assert InviteCode.objects.get(pk=inviter.pk).last_login_ip == "203.0.113.7"
    referral = invite_activate(user=UserFactory(), code=inviter.invite.code, ip="203.0.113.9")
    assert referral.flags == ["same_network"]


def test_without_a_known_address_there_is_no_network_flag():
    inviter = UserFactory()  # never logged in through a request
    referral = invite_activate(user=UserFactory(), code=inviter.invite.code, ip="not an address")
    assert (referral.status, referral.ip, referral.inviter_ip) == ("active", None, None)


def test_past_referral_max_per_hour_activations_of_one_code_go_to_review(settings):
    settings.REFERRAL_MAX_PER_HOUR = 3
    inviter = UserFactory()
    statuses = [
        invite_activate(user=UserFactory(), code=inviter.invite.code, ip=f"198.51.100.{n}").status
        for n in range(5)
    ]
    assert statuses == ["active", "active", "active", "pending_review", "pending_review"]
    flags = Referral.objects.filter(inviter=inviter).order_by("id").values_list("flags", flat=True)
    assert list(flags) == [[], [], [], ["burst"], ["burst"]]


def test_activations_older_than_an_hour_do_not_count_toward_a_burst(settings):
    settings.REFERRAL_MAX_PER_HOUR = 1
    inviter = UserFactory()
    invite_activate(user=UserFactory(), code=inviter.invite.code)
    Referral.objects.update(activated_at=timezone.now() - timedelta(minutes=61))
    assert invite_activate(user=UserFactory(), code=inviter.invite.code).status == "active"
    assert invite_activate(user=UserFactory(), code=inviter.invite.code).status == "pending_review"


def test_both_flags_at_once(settings):
    settings.REFERRAL_MAX_PER_HOUR = 0
    inviter = inviter_from("203.0.113.7")
    referral = invite_activate(user=UserFactory(), code=inviter.invite.code, ip="203.0.113.8")
    assert referral.flags == ["same_network", "burst"]


def test_a_flagged_referral_is_listed_with_its_status_in_the_profile_and_the_list(auth_api):
    inviter = inviter_from("203.0.113.7")
    flagged, clean = UserFactory(), UserFactory()
    invite_activate(user=clean, code=inviter.invite.code, ip="198.51.100.1")
    invite_activate(user=flagged, code=inviter.invite.code, ip="203.0.113.8")
    client = auth_api(inviter)
    profile = client.get(PROFILE).json()
    assert profile["referrals_count"] == 2
    expected = [(flagged.phone, "pending_review"), (clean.phone, "active")]
    assert [(r["phone"], r["status"]) for r in profile["referrals"]] == expected
    listed = client.get(REFERRALS).json()["results"]
    assert [(r["phone"], r["status"]) for r in listed] == expected


# The addresses, from the requests


def login(api, phone, draw_codes, **extra):
    draw_codes("1234")
    assert api.post("/api/v1/auth/send-code/", {"phone": phone}, **extra).status_code == 202
    answer = api.post("/api/v1/auth/verify-code/", {"phone": phone, "code": "1234"}, **extra)
    assert answer.status_code == 200
    return answer.json()["access"]


def test_the_api_login_records_the_address_and_an_activation_from_it_is_flagged(
    api, new_phone, draw_codes, auth_api
):
    inviter_phone = new_phone()
    login(api, inviter_phone, draw_codes, REMOTE_ADDR="203.0.113.7")
    inviter = InviteCode.objects.get(user__phone=inviter_phone)
    assert inviter.last_login_ip == "203.0.113.7"

    friend = UserFactory()
    client = auth_api(friend)
    answer = client.post(INVITE, {"invite_code": inviter.code}, REMOTE_ADDR="203.0.113.99")
    assert answer.status_code == 200
    referral = Referral.objects.get(invitee=friend)
    assert (referral.status, referral.ip, referral.flags) == (
        "pending_review",
        "203.0.113.99",
        ["same_network"],
    )


def test_behind_one_proxy_the_addresses_are_the_right_most_forwarded_ones(
    api, new_phone, draw_codes, auth_api, settings
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    inviter_phone = new_phone()
    login(api, inviter_phone, draw_codes, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7", **proxy)
    code = InviteCode.objects.get(user__phone=inviter_phone)
    assert code.last_login_ip == "203.0.113.7"

    other_network, same_network_friend = UserFactory(), UserFactory()
    for friend, forwarded in (
        (other_network, "198.51.100.3"),
        (same_network_friend, "203.0.113.1"),
    ):
        answer = auth_api(friend).post(
            INVITE, {"invite_code": code.code}, HTTP_X_FORWARDED_FOR=forwarded, **proxy
        )
        assert answer.status_code == 200
    assert Referral.objects.get(invitee=other_network).status == "active"
    assert Referral.objects.get(invitee=same_network_friend).status == "pending_review"


def test_the_login_page_records_the_address(client, phone, draw_codes):
    draw_codes("4321")
    client.post("/", {"phone": phone}, REMOTE_ADDR="203.0.113.70")
    assert client.post("/code/", {"code": "4321"}, REMOTE_ADDR="203.0.113.70").status_code == 302
    assert InviteCode.objects.get(user__phone=phone).last_login_ip == "203.0.113.70"


def test_the_profile_page_passes_the_address_to_the_activation(client):
    inviter = inviter_from("203.0.113.7")
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/profile/", {"invite_code": inviter.invite.code}, REMOTE_ADDR="203.0.113.8"
    )
    assert response.status_code == 302
    assert Referral.objects.get(invitee=user).status == "pending_review"
    page = client.get("/profile/")
    assert page.status_code == 200
