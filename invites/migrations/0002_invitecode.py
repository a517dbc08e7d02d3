# The invite code and its referral count move from accounts.User to invites.InviteCode, so that
# the invites app owns both and accounts no longer depends on it. Forward only: the user's
# columns are dropped by accounts.0002 once the codes are copied here.

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import invites.codes


def copy_codes(apps, schema_editor):
    user = apps.get_model("accounts", "User")._meta.db_table
    invite_code = apps.get_model("invites", "InviteCode")._meta.db_table
    schema_editor.execute(
        f"INSERT INTO {invite_code} (user_id, code, referrals_count) "  # noqa: S608 - our tables
        f"SELECT id, invite_code, referrals_count FROM {user}"
    )


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        ("invites", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="InviteCode",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="invite",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        default=invites.codes.invite_code_generate,
                        editable=False,
                        max_length=6,
                        unique=True,
                        validators=[
                            django.core.validators.RegexValidator(
                                "\\A[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}\\Z",
                                code="invalid",
                                message="An invite code is 6 characters: digits 2-9 and letters other than I, L and O.",
                            )
                        ],
                        verbose_name="invite code",
                    ),
                ),
                (
                    "referrals_count",
                    models.PositiveIntegerField(default=0, editable=False, verbose_name="referrals"),
                ),
            ],
            options={
                "verbose_name": "invite code",
                "verbose_name_plural": "invite codes",
            },
        ),
        migrations.AlterModelOptions(
            name="referral",
            options={
                "ordering": ("-activated_at", "-id"),
                "verbose_name": "referral",
                "verbose_name_plural": "referrals",
            },
        ),
        migrations.RunPython(copy_codes, elidable=False),
    ]
