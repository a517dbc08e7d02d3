"""`manage.py webhook_add URL [--event NAME]... [--secret whsec_...]`: add a webhook endpoint."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from webhooks.events import EVENTS
from webhooks.services import webhook_endpoint_add


class Command(BaseCommand):
    help = (
        "Add an active webhook endpoint and print its secret (whsec_...) on stdout. "
        "Without --event it receives every event."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("url")
        parser.add_argument(
            "--event", action="append", choices=list(EVENTS), dest="events", default=[]
        )
        parser.add_argument("--secret", help="whsec_ and base64 of 24-64 bytes; drawn if left out")

    def handle(self, *args, url: str, events: list[str], secret: str | None, **options):
        try:
            endpoint = webhook_endpoint_add(url=url, events=events, secret=secret)
        except ValidationError as exc:
            messages = [
                f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()
            ]
            raise CommandError("; ".join(messages)) from None
        self.stderr.write(
            f"webhook endpoint {endpoint.pk}: {endpoint.url} "
            f"(events: {', '.join(endpoint.events) or 'all'})"
        )
        self.stdout.write(endpoint.secret)
