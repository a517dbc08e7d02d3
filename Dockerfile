# syntax=docker/dockerfile:1
# The service's one image. It runs gunicorn by default; the Celery worker, Flower and the
# migrate step run it with another command (docker-compose.yml, the Procfile).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# Build stage: the exact run-time pins, installed into a virtualenv.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements/base.txt requirements/prod.txt /tmp/requirements/
RUN /opt/venv/bin/pip install -r /tmp/requirements/prod.txt

# Run stage: the virtualenv, the code and its static files; no pip cache, no build leftovers.
FROM ${PYTHON_IMAGE} AS run
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=project.settings.production \
    PORT=8000
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Owned by root: the app user can read the code, not change it.
COPY . .
# Static files are hashed and compressed once, here, and WhiteNoise serves them. Production
# settings refuse to load without a real key: this step alone gets a random one, never kept.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput -v 0
# Numeric, so that a runtime (Kubernetes runAsNonRoot) can tell it is not root.
USER 10001:10001
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "project.wsgi"]
