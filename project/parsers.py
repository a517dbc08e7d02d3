"""The API's JSON parser: DRF's, with JSON nested too deeply to parse answered as 400."""

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """Python's json module parses arrays and objects recursively: a body nested about a
    thousand deep (a few kilobytes) exhausts the interpreter's recursion limit and raises
    RecursionError, which DRF's parser, catching ValueError only, lets through as a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON is nested too deeply.")) from None
