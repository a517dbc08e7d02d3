"""Django's PostgreSQL backend with a client-side bound on every wait (see base.py)."""
