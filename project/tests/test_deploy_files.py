"""The Procfile, the Dockerfile and docker-compose.yml run the same commands.

The scale-out test (test_scale_out.py) runs the Procfile's, and the Dockerfile's
collectstatic step, outside Docker; this keeps the three files in step with what it tested.
"""

import shlex

from project.tests.deploy_files import compose, dockerfile_cmd, dockerfile_run, procfile


def test_the_image_serves_what_the_procfile_web_runs():
    assert dockerfile_cmd() == shlex.split(procfile()["web"])


def test_compose_runs_the_procfile_release_and_worker_commands():
    services = compose()["services"]
    assert "command" not in services["web"]  # the image's CMD
    assert services["migrate"]["command"] == shlex.split(procfile()["release"])
    assert services["worker"]["command"] == shlex.split(procfile()["worker"])


def test_compose_waits_for_health_and_for_the_migration():
    services = compose()["services"]
    for name in ("web", "worker", "flower", "postgres", "redis"):
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
