"""Bringing a desk up: roles, the first admin, demo content."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from newsroom.roles import ADMINS, ensure_roles
from rewrites.models import Rewrite
from rewrites.records import import_record, parse_records

DEMO_DIR = Path(__file__).resolve().parent / "demo"


def ensure_admin(*, username: str = "admin") -> tuple[object, str | None]:
    """Creates the first admin if the desk has no superuser.

    Returns (user, password); the password is None when no user was created.
    """
    User = get_user_model()
    existing = User.objects.filter(is_superuser=True).order_by("id").first()
    if existing is not None:
        return existing, None
    password = settings.NEWSROOM_ADMIN_PASSWORD or secrets.token_urlsafe(12)
    user = User.objects.create_superuser(username=username, email="", password=password)
    groups = ensure_roles()
    user.groups.add(groups[ADMINS])
    return user, password


def load_demo_records() -> int:
    """Imports the bundled demo records the desk does not have yet; returns how many.

    A demo record already on the desk is left alone, so edits made to it survive
    a restart.
    """
    stored = 0
    for path in sorted(DEMO_DIR.glob("*.json")):
        for _, item in parse_records(path.read_text(encoding="utf-8")):
            if not Rewrite.objects.filter(id=item["rewrite"]["id"]).exists():
                import_record(item)
                stored += 1
    return stored
