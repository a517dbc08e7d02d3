"""The login code appears in no API answer, log record or database row (only the dev inbox)."""

import logging
import re

import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_worker")]

CODE = "7391"
STANDALONE = re.compile(rf"\b{CODE}\b")


def test_the_code_leaves_no_trace_but_the_sms(
    api, phone, read_code, draw_codes, caplog, celery_worker
):
    caplog.set_level(logging.DEBUG)
    draw_codes(CODE)
    answers = [api.post("/api/v1/auth/send-code/", {"phone": phone}, format="json")]
    assert read_code(phone) == CODE  # delivered: the inbox is the one place it may be
    answers.append(
        api.post("/api/v1/auth/verify-code/", {"phone": phone, "code": "0000"}, format="json")
    )
    login = api.post("/api/v1/auth/verify-code/", {"phone": phone, "code": CODE}, format="json")
    assert login.status_code == 200
    answers.append(login)
    answers.append(
        api.post("/api/v1/auth/verify-code/", {"phone": phone, "code": CODE}, format="json")
    )
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    answers.append(api.get("/api/v1/profile/"))

    for answer in answers:
        assert not STANDALONE.search(answer.content.decode())
    for record in caplog.records:
        assert not STANDALONE.search(record.getMessage())
    assert caplog.records, "the flow logs its requests"
    worker_log = celery_worker.log.read_text()
    assert "sms delivered to +7916***" in worker_log
    assert not STANDALONE.search(worker_log)

    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(f'SELECT t::text FROM "{table}" t')
            for (row,) in cursor.fetchall():
                assert not STANDALONE.search(row), table
