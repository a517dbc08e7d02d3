"""The login pages' forms. The formats are the API's: the same validators, not a second copy."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.otp import otp_config, validate_code_format
from project.web import PageForm


class PhoneForm(PageForm):
    # Any text: whether it is a phone number is for the service (phone_normalize) to say.
    phone = forms.CharField(
        label=_("Phone number"),
        help_text=_("Any format: +7 962 851-87-53, 8 962 851 87 53, 79628518753."),
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel", "autofocus": True}
        ),
    )


class CodeForm(PageForm):
    # A malformed code is refused here, before it can use up one of the code's attempts.
    code = forms.CharField(
        label=_("Code from the SMS"),
        validators=[validate_code_format],
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "class": "code-input",
            }
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        length = otp_config().code_length  # OTP_CODE_LENGTH, as it is now
        self.fields["code"].widget.attrs["maxlength"] = length


class ResendForm(PageForm):
    """No fields: the code page's second form, for the errors of asking for a new code."""
