"""GET /metrics and the worker's metrics: behind the token, added up across gunicorn's
processes, and moving when a code is sent and delivered (on the live stack)."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from harness import Api

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

TOKEN = "metrics-test-token"


def samples(text: str) -> dict[tuple, float]:
    """{(name, ((label, value), ...)): value} of a Prometheus text answer."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(api: Api, token: str | None = TOKEN) -> dict[tuple, float]:
    answer = api.get("/metrics", token=token)
    assert answer.status == 200, answer.body
    return samples(answer.text)


@pytest.fixture(scope="module")
def web(test_stack, celery_worker):
    process = test_stack.web("metrics-web", WEB_CONCURRENCY="3", METRICS_TOKEN=TOKEN)
    yield Api(process.url)
    process.stop()


def test_metrics_want_the_token(web):
    assert web.get("/metrics").status == 401
    assert web.get("/metrics", token="wrong").status == 401
    assert web.get("/metrics", token=TOKEN).status == 200


def test_requests_are_counted_once_across_all_web_processes(web):
    key = (
        "referral_http_requests_total",
        (("method", "GET"), ("status", "200"), ("view", "healthz")),
    )
    before = scrape(web).get(key, 0)
    for _ in range(30):  # three processes share the socket: each serves some of them
        assert web.get("/healthz").status == 200
    assert scrape(web)[key] - before == 30


def test_a_code_sent_moves_the_web_and_the_worker_counters(web, celery_worker, phone):
    worker = Api(celery_worker.url)
    sent = (
        "referral_http_requests_total",
        (("method", "POST"), ("status", "202"), ("view", "auth-send-code")),
    )
    delivered = ("referral_sms_deliveries_total", (("backend", "simulated"), ("outcome", "ok")))
    before_web, before_worker = scrape(web).get(sent, 0), scrape(worker, None).get(delivered, 0)

    assert web.send_code(phone).status == 202
    web.read_code(phone)  # delivered

    assert scrape(web)[sent] - before_web == 1
    assert scrape(worker, None)[delivered] - before_worker == 1
    assert ("referral_sms_queue_length", ()) in scrape(web)


def test_without_a_token_metrics_are_open_where_no_token_is_required(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_REQUIRE_TOKEN = "", False
    assert client.get("/metrics").status_code == 200


def test_where_a_token_is_required_metrics_without_one_are_not_served(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_REQUIRE_TOKEN = "", True  # production's default
    response = client.get("/metrics")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
