from django.core.management.base import CommandError

from newsroom.audit import verify_chain
from newsroom.commands import DatabaseCommand
from newsroom.timestamps import format_timestamp


class Command(DatabaseCommand):
    help = (
        "Checks the audit log's hash chain: every entry's hash must match its content and the entry before it. "
        "Names the first entry that does not and exits non-zero; otherwise prints the last entry's hash, to keep "
        "somewhere the database's owner cannot change."
    )

    def handle(self, *args, **options):
        report = verify_chain()
        if report.broken is not None:
            broken = report.broken
            raise CommandError(
                f"The audit log's chain is broken at entry #{broken.entry_id} ({format_timestamp(broken.at)}): "
                f"{broken.problem}. Entries from there on cannot be trusted; compare them with a backup."
            )
        if report.last_id is None:
            self.stdout.write("The audit log is empty: nothing to check.")
            return
        self.stdout.write(
            f"The audit log's chain is intact: {report.entries} entries, the last #{report.last_id} with hash "
            f"{report.last_hash}."
        )
