"""The project's cursor pagination: DRF's, with a cursor that must be one DRF wrote.

DRF decodes a cursor leniently: base64 that decodes to nothing (`!!!`, an empty `?cursor=`)
is the first page, and the position inside is passed to the database as it is, so a forged
one (`p=garbage`) fails there as a 500. Here a cursor must be strict base64 of DRF's own
query string, and its position must be a value of the ordering's field; anything else is
404 `not_found`, as the contract says.
"""

import binascii
from base64 import b64decode
from urllib import parse

from django.core.exceptions import FieldDoesNotExist, ValidationError
from rest_framework import pagination
from rest_framework.exceptions import NotFound

# What DRF's encode_cursor writes: an offset, a reverse flag, a position; each at most once.
CURSOR_KEYS = {"o", "r", "p"}


class CursorPagination(pagination.CursorPagination):
    """The base of every cursor paginator of the project."""

    def paginate_queryset(self, queryset, request, view=None):
        # decode_cursor() only sees the request: it needs the field the position is of.
        self.position_field = self._position_field(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def _position_field(self, queryset, request, view):
        name = self.get_ordering(request, queryset, view)[0].lstrip("-")
        try:
            return queryset.model._meta.get_field(name)
        except FieldDoesNotExist:  # an annotation: the database is left to judge it
            return None

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            querystring = b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
            tokens = parse.parse_qs(querystring, keep_blank_values=True, strict_parsing=True)
        except (ValueError, binascii.Error):  # UnicodeError is a ValueError
            raise NotFound(self.invalid_cursor_message) from None
        if (
            not tokens  # DRF never writes an empty cursor (see encode_cursor)
            or not tokens.keys() <= CURSOR_KEYS
            or any(len(values) > 1 for values in tokens.values())
        ):
            raise NotFound(self.invalid_cursor_message)
        if tokens.get("r", ["1"]) != ["1"]:  # DRF writes r=1 or nothing
            raise NotFound(self.invalid_cursor_message)
        cursor = super().decode_cursor(request)
        if cursor.position is not None and self.position_field is not None:
            try:
                self.position_field.to_python(cursor.position)
            except ValidationError:
                raise NotFound(self.invalid_cursor_message) from None
        return cursor

    def encode_cursor(self, cursor):
        # DRF writes an empty cursor for "the start" in a corner case; the start is the
        # list's own address, and an empty cursor is refused above.
        if cursor.offset == 0 and not cursor.reverse and cursor.position is None:
            return pagination.remove_query_param(self.base_url, self.cursor_query_param)
        return super().encode_cursor(cursor)
