"""The desk's three roles, as Django groups whose permissions come from the rule table (newsroom/rules.py)."""

from django.contrib.auth.models import Group, Permission

from newsroom.rules import ADMINS, EDITORS, ROLES, STAFF, role_permissions

__all__ = ["ADMINS", "EDITORS", "STAFF", "ensure_roles"]


def _permissions(names: list[str]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def ensure_roles() -> dict[str, Group]:
    """Creates or updates the Editors, Staff and Admins groups; safe to run again.

    Editors and Staff hold exactly the permissions of the actions ``RULES``
    gives them; Admins hold every permission, so they can also use the Django admin.
    """
    groups = {}
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.all() if name == ADMINS else _permissions(role_permissions(name)))
        groups[name] = group
    return groups
