"""Test settings: the real settings, with their own embedded servers under var/test/.

With DATABASE_URL / REDIS_URL set, tests use those servers instead (pytest-django
creates a separate test database; Redis is flushed between tests, so point
REDIS_URL at a database number nothing else uses).
"""

import os
from pathlib import Path

os.environ.setdefault("NEWSROOM_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))

from newsroom.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
