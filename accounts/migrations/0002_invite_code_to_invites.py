# The invite code and the referral count now live in invites.InviteCode (copied there by
# invites.0002).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        ("invites", "0002_invitecode"),
    ]

    operations = [
        migrations.RemoveField(model_name="user", name="invite_code"),
        migrations.RemoveField(model_name="user", name="referrals_count"),
    ]
