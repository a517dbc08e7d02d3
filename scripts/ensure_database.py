"""Create the PostgreSQL database that DATABASE_URL names, if it does not exist yet.

Run by `scripts/run` before migrating; does nothing for SQLite or for a database that exists.
"""

import os

import django
import psycopg2
from django.conf import settings
from django.db import connections
from psycopg2 import sql


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.local")
    django.setup()
    db = settings.DATABASES["default"]
    if connections["default"].vendor != "postgresql":  # Django's backend or project.postgresql
        return
    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "connect_timeout": 5,
    }
    try:
        # Behind PgBouncer only the service's own database may be listed: if it answers, it
        # exists.
        psycopg2.connect(dbname=db["NAME"], **params).close()
        return
    except psycopg2.OperationalError:
        pass
    server = psycopg2.connect(dbname="postgres", **params)
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
            print(f"created the PostgreSQL database {db['NAME']}")
    server.close()


if __name__ == "__main__":
    main()
