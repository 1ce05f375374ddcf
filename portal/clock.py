"""One clock for deadlines: the database's.

Several web and worker machines each have their own clock; a deadline that two of them check must be checked
against one. PostgreSQL's `clock_timestamp()` is the time at the moment of the call (`now()` would be the start
of the transaction, which may have waited on a lock). SQLite runs in this process, so its clock is ours.
"""

from datetime import datetime

from django.db import connection
from django.utils import timezone


def database_now() -> datetime:
    """The current time on the database server (aware, UTC)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT clock_timestamp()")
            return cursor.fetchone()[0]
    return timezone.now()
