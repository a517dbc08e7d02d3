"""The profile page's form: an invite code, normalised and checked as the API does it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from invites.codes import invite_code_normalize, validate_invite_code
from project.web import PageForm


class InviteCodeField(forms.CharField):
    """Case and surrounding spaces do not matter; what is left must be a well-formed code."""

    def to_python(self, value) -> str:
        return invite_code_normalize(super().to_python(value))


class InviteCodeForm(PageForm):
    invite_code = InviteCodeField(
        label=_("Invite code"),
        validators=[validate_invite_code],
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "code-input",
            }
        ),
    )
