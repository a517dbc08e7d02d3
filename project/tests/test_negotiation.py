"""The API's content negotiation answers as DRF's does, its common cases without parsing."""

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from project.negotiation import ContentNegotiation

factory = APIRequestFactory()

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "application/*",
    "text/html",
]


def choose(negotiation, accept: str | None, renderers, query: str = ""):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(factory.get(f"/api/v1/profile/{query}", **headers))
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers)
    except Exception as exc:
        return type(exc).__name__
    return type(renderer).__name__, media_type


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("query", ["", "?format=json", "?format=xml"])
@pytest.mark.parametrize(
    "renderers", [[JSONRenderer()], [JSONRenderer(), BrowsableAPIRenderer()]], ids=["one", "two"]
)
def test_the_choice_is_drfs_own(accept, query, renderers):
    assert choose(ContentNegotiation(), accept, renderers, query) == choose(
        DefaultContentNegotiation(), accept, renderers, query
    )


def test_the_common_cases_skip_drfs_parsing(monkeypatch):
    def parsed(*args, **kwargs):
        raise AssertionError("DRF's negotiation ran")

    monkeypatch.setattr(DefaultContentNegotiation, "select_renderer", parsed)
    for accept in (None, "*/*", "application/json"):
        assert choose(ContentNegotiation(), accept, [JSONRenderer()]) == (
            "JSONRenderer",
            "application/json",
        )
    assert choose(ContentNegotiation(), "text/html", [JSONRenderer()]) == "AssertionError"


def test_the_api_refuses_what_it_cannot_render(client):
    response = client.post(
        "/api/v1/auth/send-code/", {"phone": "+79161234567"}, HTTP_ACCEPT="text/html"
    )
    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"
