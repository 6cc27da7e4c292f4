"""The migrations match the models and form one line per app, so a fresh desk and an upgraded one agree."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_models_need_no_migration_that_is_not_written_and_no_app_has_two_leaves(capsys):
    # makemigrations --check exits non-zero (SystemExit) when a migration is missing, and raises
    # CommandError when an app's migrations have two leaf nodes.
    call_command("makemigrations", check=True, dry_run=True, verbosity=1)

    assert "No changes detected" in capsys.readouterr().out
