import sys

from django.core.management.base import CommandError
from django.db import DataError, IntegrityError

from newsroom.commands import DatabaseCommand
from rewrites.records import RecordError, import_record, parse_records


class Command(DatabaseCommand):
    help = (
        "Imports records (one JSON record, a JSON array of records, or JSON Lines) from PATH or '-' "
        "for standard input. Each record is stored whole or not at all; existing ids are updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="File to read, or '-' for standard input.")

    def handle(self, *args, path: str, **options):
        text = self.read(path)
        created = updated = 0
        refused = []
        for position, item in parse_records(text):
            if isinstance(item, RecordError):
                refused.append((position, item))
                continue
            try:
                rewrite, was_created = import_record(item)
            except RecordError as error:
                refused.append((position, error))
                continue
            except (DataError, IntegrityError) as error:
                # A value the checks let through but a column refused, or another import of the same ids.
                refused.append((position, RecordError("", f"the database refused it: {str(error).strip()}")))
                continue
            created += was_created
            updated += not was_created
        for position, error in refused:
            self.stderr.write(f"Refused {position}: {error}")
        self.stdout.write(f"Imported {created + updated} records ({created} new, {updated} updated), refused {len(refused)}.")
        if refused:
            raise CommandError(f"{len(refused)} record(s) were refused; the others were stored.", returncode=1)

    def read(self, path: str) -> str:
        if path == "-":
            return sys.stdin.read()
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except FileNotFoundError:
            raise CommandError(f"No file at {path}.") from None
        except UnicodeDecodeError as error:
            raise CommandError(f"{path} is not UTF-8 text: {error}.") from error
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
