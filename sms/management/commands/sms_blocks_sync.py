"""`manage.py sms_blocks_sync`: mirror the blocked ranges into Redis after a change made by hand.

The admin and the services keep the mirror in step, and send-code builds it again when Redis
lost it; this is for rows changed straight in the database.
"""

from django.core.management.base import BaseCommand

from sms.blocks import blocked_ranges_sync


class Command(BaseCommand):
    help = "Mirror the blocked ranges in force into Redis, where send-code checks them."

    def handle(self, *args, **options):
        self.stdout.write(f"{blocked_ranges_sync()} blocked ranges in force")
