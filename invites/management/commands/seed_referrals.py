"""`manage.py seed_referrals --users N --referrals-per-user M`: bulk data for benchmarks."""

from django.core.management.base import BaseCommand

from invites.seeding import referrals_seed


class Command(BaseCommand):
    help = "Create N inviters, each with M users who activated its invite code (bulk inserts)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--users", type=int, required=True)
        parser.add_argument("--referrals-per-user", type=int, required=True)
        parser.add_argument("--batch-size", type=int, default=5_000)

    def handle(self, *args, users: int, referrals_per_user: int, batch_size: int, **options):
        seeded = referrals_seed(
            users=users, referrals_per_user=referrals_per_user, batch_size=batch_size
        )
        for inviter in seeded.inviters:
            invite = inviter.invite
            self.stdout.write(f"{inviter.phone} {invite.code} {invite.referrals_count}")
        self.stderr.write(
            f"seeded {len(seeded.inviters)} inviters and {seeded.referrals} referrals"
        )
