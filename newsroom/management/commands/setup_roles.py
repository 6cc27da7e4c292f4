
from newsroom.commands import DatabaseCommand
from newsroom.roles import ensure_roles


class Command(DatabaseCommand):
    help = "Creates or updates the Editors, Staff and Admins groups and their permissions."

    def handle(self, *args, **options):
        for name, group in ensure_roles().items():
            self.stdout.write(f"{name}: {group.permissions.count()} permissions")
