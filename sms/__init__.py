"""SMS delivery: pluggable gateways (like Django's mail backends), a Celery task, a dev inbox."""

# The locmem backend appends here, as django.core.mail.outbox does for e-mail.
outbox: list = []
