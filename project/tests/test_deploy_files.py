"""The Procfile, the Dockerfile and docker-compose.yml run the same commands.

The scale-out test (test_scale_out.py) runs the Procfile's, and the Dockerfile's
collectstatic step, outside Docker; this keeps the three files in step with what it tested.
"""

import shlex

from project.tests.deploy_files import compose, dockerfile_cmd, dockerfile_run, procfile


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
    for name in ("web", "worker", "beat", "flower", "postgres", "redis"):
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
