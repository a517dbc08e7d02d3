"""The CSV export of every referral, as text blocks to stream (the admin's "Export CSV")."""

import csv
import json
from collections.abc import Iterator

from invites.selectors import referrals_export_rows
from project.fields import iso_8601

CSV_HEADER = ["inviter_phone", "invitee_phone", "activated_at", "status", "flags"]


class _Lines:
    """A file-like object that hands back what csv.writer writes, instead of keeping it."""

    def write(self, text: str) -> str:
        return text


def referrals_csv(*, chunk_size: int = 5_000) -> Iterator[str]:
    """The export as text blocks of up to `chunk_size` rows, oldest referral first: both
    phones (E.164), the activation time (ISO 8601, UTC), the status, the flags separated by
    spaces. Memory holds one block, whatever the number of referrals."""
    writer = csv.writer(_Lines(), lineterminator="\n")
    yield writer.writerow(CSV_HEADER)
    block: list[str] = []
    for _id, activated_at, inviter, invitee, status, flags in referrals_export_rows(
        chunk_size=chunk_size
    ):
        flags = " ".join(json.loads(flags)) if flags != "[]" else ""
        block.append(writer.writerow([inviter, invitee, iso_8601(activated_at), status, flags]))
        if len(block) == chunk_size:
            yield "".join(block)
            block = []
    if block:
        yield "".join(block)
