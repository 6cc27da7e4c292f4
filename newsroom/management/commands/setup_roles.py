from django.core.management.base import BaseCommand

from newsroom.roles import ensure_roles


class Command(BaseCommand):
    help = "Creates or updates the Editors, Staff and Admins groups and their permissions."

    def handle(self, *args, **options):
        for name, group in ensure_roles().items():
            self.stdout.write(f"{name}: {group.permissions.count()} permissions")
