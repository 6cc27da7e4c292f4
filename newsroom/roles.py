"""The desk's three roles, as Django groups with permissions."""

from django.contrib.auth.models import Group, Permission

EDITORS = "Editors"
ADMINS = "Admins"
STAFF = "Staff"

READ = [
    "rewrites.view_rewrite",
    "rewrites.view_attribution",
    "clusters.view_cluster",
    "clusters.view_article",
    "clusters.view_source",
]

ROLE_PERMISSIONS = {
    EDITORS: READ
    + [
        "rewrites.change_rewrite",
        "rewrites.review_rewrite",
        "rewrites.publish_rewrite",
        "rewrites.export_newsletter",
        "clusters.change_cluster",
        "clusters.change_article",
    ],
    STAFF: READ + ["rewrites.export_newsletter"],
}


def _permissions(names: list[str]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def ensure_roles() -> dict[str, Group]:
    """Creates or updates the Editors, Staff and Admins groups; safe to run again."""
    groups = {}
    for name, permission_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(permission_names))
        groups[name] = group
    admins, _ = Group.objects.get_or_create(name=ADMINS)
    admins.permissions.set(Permission.objects.all())
    groups[ADMINS] = admins
    return groups
