from django.core.management.commands.migrate import Command as DjangoMigrate

from newsroom.database_roles import grant_desk_privileges, use_desk, use_owner


class Command(DjangoMigrate):
    help = (
        "Applies the migrations as the role that owns the tables (NEWSROOM_MIGRATE_DATABASE_URL, when set), then "
        "grants the desk's role (DATABASE_URL) what it needs: ordinary reads and writes, and only reading and "
        "appending on the audit log."
    )

    def handle(self, *args, **options):
        database = options["database"]
        if not options["skip_checks"]:
            # As the desk's role, so the warning about a desk that owns the audit log is about the desk.
            self.check(databases=[database])
        switched = use_owner(database)
        try:
            super().handle(*args, **{**options, "skip_checks": True})
            if not (options["plan"] or options["check_unapplied"]):
                grant_desk_privileges(database)
        finally:
            if switched:
                use_desk(database)
