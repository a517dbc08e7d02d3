"""The Celery application that delivers SMS in the background."""
