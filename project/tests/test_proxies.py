"""The client address behind a proxy: X-Forwarded-For counts only as far as NUM_PROXIES says.

With NUM_PROXIES=0 (the default) see accounts/tests/test_api_login.py: the header is ignored.
"""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

SEND = "/api/v1/auth/send-code/"


@pytest.fixture
def behind_one_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.THROTTLE_SEND_CODE = "1/hour"


def send(api, phone, forwarded_for):
    return api.post(SEND, {"phone": phone}, format="json", HTTP_X_FORWARDED_FOR=forwarded_for)


@pytest.mark.usefixtures("behind_one_proxy")
def test_behind_one_proxy_the_client_is_the_right_most_forwarded_address(new_phone):
    proxy = APIClient(REMOTE_ADDR="10.0.0.5")  # every request comes through the proxy
    assert send(proxy, new_phone(), "203.0.113.7").status_code == 202
    # The proxy appends the address it saw; whatever the client wrote before it is ignored.
    answer = send(proxy, new_phone(), "198.51.100.1, 203.0.113.7")
    assert answer.status_code == 429
    assert answer.json()["code"] == "throttled"
    assert send(proxy, new_phone(), "203.0.113.7, 203.0.113.8").status_code == 202
