"""What the login tests call: the API through DRF's test client, the pages through Django's."""

SEND = "/api/v1/auth/send-code/"
VERIFY = "/api/v1/auth/verify-code/"
PHONE_PAGE, CODE_PAGE, PROFILE_PAGE, LOGOUT = "/", "/code/", "/profile/", "/logout/"


def send(api, phone: str):
    """POST send-code through the API."""
    return api.post(SEND, {"phone": phone}, format="json")


def verify(api, phone: str, code: str):
    """POST verify-code through the API."""
    return api.post(VERIFY, {"phone": phone, "code": code}, format="json")


def page_send(client, phone: str):
    """The phone page's form."""
    return client.post(PHONE_PAGE, {"phone": phone})


def page_verify(client, code: str):
    """The code page's form."""
    return client.post(CODE_PAGE, {"code": code})


def error_codes(response, field: str | None, form: str = "form") -> list[str]:
    """The codes of the errors next to `field` (None: the form's own) on the rendered page."""
    errors = response.context[form].errors.as_data()
    return [error.code for error in errors.get(field or "__all__", [])]
