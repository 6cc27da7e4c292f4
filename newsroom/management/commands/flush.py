import contextlib
from importlib import import_module

from django.apps import apps
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.core.management.commands import flush as django_flush
from django.core.management.sql import emit_post_migrate_signal
from django.db import connections

from newsroom.database_roles import AUDIT_TABLE


class Command(django_flush.Command):
    help = (
        "Removes all data from the database except the audit log, which only grows: the desk's role may not empty "
        "it, and the role that owns it can only empty it by hand (docs/operations.md, section “Audit log”)."
    )

    def handle(self, **options):
        database, verbosity, interactive = options["database"], options["verbosity"], options["interactive"]
        connection = connections[database]
        for app_config in apps.get_app_configs():
            with contextlib.suppress(ImportError):
                import_module(".management", app_config.name)  # registers the apps' post_migrate receivers
        tables = [
            table for table in connection.introspection.django_table_names(only_existing=True, include_views=False)
            if table != AUDIT_TABLE
        ]
        statements = connection.ops.sql_flush(
            no_style(), tables, reset_sequences=False, allow_cascade=options.get("allow_cascade", False)
        )
        if statements and options.get("reset_sequences", True):
            # setval, which the desk's role may run, where TRUNCATE ... RESTART IDENTITY needs the owner.
            sequences = [item for item in connection.introspection.sequence_list() if item["table"] != AUDIT_TABLE]
            statements += connection.ops.sequence_reset_by_name_sql(no_style(), sequences)
        name = connection.settings_dict["NAME"]
        if interactive:
            answer = input(
                f"This deletes every row of every table in the “{name}” database except the audit log, which is "
                "kept.\nType 'yes' to continue, or 'no' to cancel: "
            )
            if answer != "yes":
                self.stdout.write("Flush cancelled.")
                return
        try:
            connection.ops.execute_sql_flush(statements)
        except Exception as error:
            raise CommandError(f"The “{name}” database could not be emptied: {error}".strip()) from error
        if statements and not options.get("inhibit_post_migrate", False):
            emit_post_migrate_signal(verbosity, interactive, database)
        if verbosity >= 1:
            self.stdout.write(f"Emptied every table of “{name}” except the audit log ({AUDIT_TABLE}), which is kept.")
