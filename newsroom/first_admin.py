"""The first admin of a new desk, created by `make run` (rundesk) when there is no superuser."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from newsroom.audit import record
from newsroom.roles import ADMINS, ensure_roles


def ensure_admin(*, username: str = "admin") -> tuple[object, str | None]:
    """Creates the first admin if the desk has no superuser.

    Returns (user, password); the password is None when no user was created.
    """
    User = get_user_model()
    existing = User.objects.filter(is_superuser=True).order_by("id").first()
    if existing is not None:
        return existing, None
    password = settings.NEWSROOM_ADMIN_PASSWORD or secrets.token_urlsafe(12)
    with transaction.atomic():
        user = User.objects.create_superuser(username=username, email="", password=password)
        groups = ensure_roles()
        user.groups.add(groups[ADMINS])
        record(action="user_create", obj=user, reason="The desk's first admin, created on its first run.",
               changes={"is_superuser": [None, True], "groups": [[], [ADMINS]], "password": ["", "(set)"]})
    return user, password
