"""Serializer fields shared by the API's input serializers, and how the API writes a time."""

from datetime import datetime

from rest_framework import serializers


def iso_8601(moment: datetime) -> str:
    """As DRF's DateTimeField writes a time: ISO 8601, with UTC as `Z`."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class StrictCharField(serializers.CharField):
    """A CharField that takes only JSON strings: DRF's own would turn 79628518753 into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
