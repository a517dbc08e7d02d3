"""Sending one SMS through the configured gateway (the worker's task calls this)."""

import logging
import time

from sms.backends import get_backend
from sms.backends.base import SmsMessage
from sms.phones import phone_mask

logger = logging.getLogger(__name__)


def sms_send(*, phone: str, text: str) -> None:
    """Deliver now; raises TransportError when the gateway does not take the message."""
    started = time.perf_counter()
    backend = get_backend()
    backend.send_messages([SmsMessage(to=phone, body=text)])
    elapsed = time.perf_counter() - started
    logger.info(
        "sms delivered to %s via %s in %.2fs",
        phone_mask(phone),
        type(backend).__module__,
        elapsed,
        extra={"phone": phone_mask(phone), "seconds": round(elapsed, 3)},
    )
