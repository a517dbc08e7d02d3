"""gunicorn settings for `gunicorn -c gunicorn.conf.py project.wsgi`; each can come from the env."""

import os

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
timeout = 30
graceful_timeout = 20
# The app logs one line per request itself (project.middleware.RequestLogMiddleware).
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
