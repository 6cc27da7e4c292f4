"""A scratch database for benchmarks: created fresh, migrated, dropped afterwards."""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def scratch_database():
    """Switches the default connection to a new, migrated test database for the duration."""
    original = connection.settings_dict["NAME"]
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield name
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)
