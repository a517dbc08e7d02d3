"""Invite codes: six characters from an alphabet without look-alikes, drawn with `secrets`."""

import secrets

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# Digits and capital letters without 0/O, 1/I/L, so a code read aloud or off paper survives.
INVITE_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
INVITE_CODE_LENGTH = 6

validate_invite_code = RegexValidator(
    rf"\A[{INVITE_CODE_ALPHABET}]{{{INVITE_CODE_LENGTH}}}\Z",
    message=_("An invite code is 6 characters: digits 2-9 and letters other than I, L and O."),
    code="invalid",
)


def invite_code_generate() -> str:
    return "".join(secrets.choice(INVITE_CODE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))


# Upper-cases ASCII letters only: str.upper() maps look-alikes into the alphabet (the long s
# U+017F -> "S", the sharp s U+00DF -> "SS", the ligature U+FB00 -> "FF"), and a code typed
# with them must not pass for another one.
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def invite_code_normalize(raw: str) -> str:
    """People type codes in any case and paste them with spaces around; nothing else is
    changed, so that anything outside the ASCII alphabet stays there for the validator."""
    return raw.strip().translate(_ASCII_UPPER)


def invite_code_is_valid(code: str) -> bool:
    """Whether `code`, already normalised, is a well-formed invite code."""
    return len(code) == INVITE_CODE_LENGTH and all(c in INVITE_CODE_ALPHABET for c in code)
