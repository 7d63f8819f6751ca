"""An outage (503, heal) is told apart from a query that failed (its own error): real errors, real PostgreSQL."""

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, transaction

from sites.middleware import database_unreachable


def test_a_cancelled_query_is_not_an_outage(db):
    with pytest.raises(OperationalError) as cancelled, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 1")
        cursor.execute("SELECT pg_sleep(1)")
    assert not database_unreachable(cancelled.value)


def test_a_server_that_cannot_be_reached_is_an_outage(db, tmp_path):
    unreachable = connections.create_connection(DEFAULT_DB_ALIAS)
    unreachable.settings_dict = {**unreachable.settings_dict, "HOST": str(tmp_path), "PORT": ""}  # no server there
    with pytest.raises(OperationalError) as refused:
        unreachable.ensure_connection()
    assert database_unreachable(refused.value)
