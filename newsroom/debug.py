"""What Django's debug pages may show: settings and variables with every credential masked.

Django already hides settings whose names mention a key, token, secret or
password. Connection strings carry passwords inside them (``DATABASE_URL``,
``REDIS_URL``, each RQ queue's ``URL``, a webhook or model address with a user
and password), so this filter also masks the user-and-password part of any URL
and password-like query parameters, in settings, request data and the local
variables of a traceback.

A traceback's variables are shown without running anything that reads the
database: a QuerySet is named, never evaluated (Django's own repr would list up
to 20 rows of it, and a failed session lookup leaves a QuerySet of every
session in a frame), and rows that are credentials themselves (sessions, API
tokens) are masked wherever they appear. Every cookie value is masked, and so
is every variable whose name says it holds a credential.
"""

from __future__ import annotations

import re
from pprint import PrettyPrinter
from typing import Any

from django.contrib.sessions.base_session import AbstractBaseSession
from django.db.models import Manager, QuerySet
from django.views.debug import SafeExceptionReporterFilter

MASK = "********************"
URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s?#'\"]*@")
QUERY_CREDENTIALS = re.compile(
    r"(?i)(?P<name>[?&](?:password|passwd|pass|pwd|token|secret|key|api_key|apikey|access_token|auth)=)[^&#\s'\"]*"
)


def mask_credentials(text: str) -> str:
    """Returns text with the user and password of every URL in it, and password-like query values, masked."""
    text = URL_CREDENTIALS.sub(lambda match: f"{match['scheme']}{MASK}@", text)
    return QUERY_CREDENTIALS.sub(lambda match: f"{match['name']}{MASK}", text)


CREDENTIAL_NAMES = re.compile(r"(?i)pass|secret|token|session_?key|sessionid|api_?key|signature|cookie|credential")


def _is_credential_row(value: Any) -> bool:
    from newsroom.models import ApiToken

    return isinstance(value, (AbstractBaseSession, ApiToken))


class _SafePrinter(PrettyPrinter):
    """Pretty-prints like Django's debug page, without evaluating querysets or showing credential rows."""

    def format(self, value, context, maxlevels, level):
        if isinstance(value, QuerySet | Manager):
            described = f"<{value.__class__.__name__} of {value.model.__name__}: not evaluated on the debug page>"
            return described, True, False
        if _is_credential_row(value):
            return f"<{value.__class__.__name__}: {MASK}>", True, False
        return super().format(value, context, maxlevels, level)


class _Masked:
    """Shows a traceback variable as Django would (pretty-printed), with its credentials masked."""

    def __init__(self, value: Any):
        self.value = value

    def __repr__(self) -> str:
        try:
            text = _SafePrinter().pformat(self.value)
        except Exception as error:  # a broken __repr__ must not break the error page
            text = f"Error in formatting: {error.__class__.__name__}: {error}"
        return mask_credentials(text)


class CredentialMaskingFilter(SafeExceptionReporterFilter):
    """Django's filter, also hiding connection strings and any credentials inside URLs."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL|REDIS_URL|DSN", flags=re.IGNORECASE
    )

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        # str() also resolves lazy settings (django-axes wraps some) that pass for strings.
        return mask_credentials(str(cleansed)) if isinstance(cleansed, str) else cleansed

    def get_safe_cookies(self, request):
        """Every cookie of the desk is a credential (the session, the CSRF token): names only."""
        return {name: self.cleansed_substitute for name in getattr(request, "COOKIES", {})}

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, self.cleansed_substitute if CREDENTIAL_NAMES.search(name) else _Masked(value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]
