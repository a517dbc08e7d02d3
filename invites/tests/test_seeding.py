import pytest
from django.core.management import call_command

from accounts.models import User
from invites.models import InviteCode, Referral
from sms.phones import phone_normalize

pytestmark = pytest.mark.django_db


def test_seed_referrals_creates_inviters_with_their_referrals(capsys):
    call_command("seed_referrals", users=3, referrals_per_user=40, batch_size=16)
    lines = capsys.readouterr().out.split()
    assert len(lines) == 9  # phone, invite code and count of each inviter
    assert User.objects.count() == 3 + 3 * 40
    assert Referral.objects.count() == 120
    for inviter in User.objects.filter(invite__referrals_count=40):
        assert inviter.referrals.count() == 40
    assert User.objects.filter(invite__referrals_count=40).count() == 3
    assert InviteCode.objects.count() == User.objects.count()  # everyone has a code


def test_seeding_twice_continues_the_phone_numbers():
    call_command("seed_referrals", users=1, referrals_per_user=2)
    call_command("seed_referrals", users=1, referrals_per_user=2)
    phones = list(User.objects.values_list("phone", flat=True))
    assert len(set(phones)) == 6
    assert all(phone_normalize(phone) == phone for phone in phones)
