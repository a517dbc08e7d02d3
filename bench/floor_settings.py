"""Production settings, with the floor's views added to the URLs (python -m bench.floor)."""

from project.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
