"""The Procfile, the Dockerfile and docker-compose.yml run the same commands.

The scale-out test (test_scale_out.py) runs the Procfile's, and the Dockerfile's
collectstatic step, outside Docker; this keeps the three files in step with what it tested.
"""

import re
import shlex

from project.tests.deploy_files import (
    BASE_DIR,
    compose,
    dockerfile_cmd,
    dockerfile_run,
    procfile,
)


def test_the_image_serves_what_the_procfile_web_runs():
    assert dockerfile_cmd() == shlex.split(procfile()["web"])


def test_compose_runs_the_procfile_release_worker_and_beat_commands():
    services = compose()["services"]
    assert "command" not in services["web"]  # the image's CMD
    assert services["migrate"]["command"] == shlex.split(procfile()["release"])
    assert services["worker"]["command"] == shlex.split(procfile()["worker"])
    assert services["beat"]["command"] == shlex.split(procfile()["beat"])


def test_compose_waits_for_health_and_for_the_migration():
    services = compose()["services"]
    for name in ("proxy", "web", "worker", "beat", "flower", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("web", "worker"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
    assert services["migrate"]["restart"] == "no"


def test_compose_runs_production_settings_with_secrets_from_outside():
    environment = compose()["services"]["web"]["environment"]
    assert environment["DJANGO_SETTINGS_MODULE"] == "project.settings.production"
    assert environment["SECRET_KEY"] == "${SECRET_KEY:-}"  # from .env or the shell, never here


def test_the_image_collects_static_files_with_production_settings_and_a_throwaway_key():
    run = dockerfile_run("collectstatic")
    assert "SECRET_KEY=" in run  # for this step only: not an ENV of the image
    assert "manage.py collectstatic --noinput" in run


def test_compose_beat_is_health_checked_by_its_ping_and_writes_its_schedule_to_tmp():
    """Beat answers `inspect ping` as celerybeat@<host> (test_scale_out runs this command)."""
    beat = compose()["services"]["beat"]
    [kind, command] = beat["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    assert "inspect ping --destination celerybeat@$$HOSTNAME" in command
    # /app belongs to root in the image; the schedule file must go where beat may write.
    schedule = beat["environment"]["CELERY_BEAT_SCHEDULE_FILENAME"]
    assert schedule.startswith("/tmp/")  # noqa: S108 - the container's own /tmp
    assert beat["depends_on"] == {"redis": {"condition": "service_healthy"}}


def test_beat_sends_the_sms_log_pruning_and_answers_pings(settings):
    from worker.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["sms-log-prune"]
    assert entry["task"] in app.tasks  # a task the worker knows, by its registered name
    assert settings.CELERY_BEAT_ENABLE_REMOTE_CONTROL is True


def test_compose_serves_the_web_only_through_nginx():
    services = compose()["services"]
    assert "ports" not in services["web"]  # gunicorn's sync workers never face a client
    assert services["web"]["expose"] == ["8000"]
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert proxy["ports"] == ["127.0.0.1:${WEB_PORT:-8000}:8080"]
    assert proxy["depends_on"] == {"web": {"condition": "service_healthy"}}
    [mount] = proxy["volumes"]
    source, target, mode = mount.split(":")
    assert (BASE_DIR / source).is_file()
    assert target == "/etc/nginx/templates/default.conf.template"  # the image fills it in
    assert mode == "ro"
    assert proxy["environment"] == {"REFERRAL_WEB": "web:8000", "REFERRAL_PORT": "8080"}


def test_compose_trusts_exactly_the_one_proxy_in_front():
    services = compose()["services"]
    environment = services["web"]["environment"]
    assert environment["NUM_PROXIES"] == "${NUM_PROXIES:-1}"
    assert environment["TRUST_PROXY_SSL_HEADER"] == "${TRUST_PROXY_SSL_HEADER:-1}"
    assert environment["FORWARDED_ALLOW_IPS"] == "*"  # only nginx can reach it


def test_the_nginx_template_buffers_and_limits_what_clients_send():
    template = (BASE_DIR / "deploy/nginx/referral.conf.template").read_text()
    directives = dict(re.findall(r"^\s*(\w+)\s+(.+?);\s*$", template, flags=re.MULTILINE))
    assert directives["proxy_request_buffering"] == "on"
    assert directives["proxy_buffering"] == "on"
    for timeout in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        assert directives[timeout] == "10s", timeout
    assert directives["client_max_body_size"] == "3m"  # above Django's own 2.5 MB limit
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in template
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in template
    assert set(re.findall(r"\$\{(\w+)\}", template)) == {"REFERRAL_WEB", "REFERRAL_PORT"}
