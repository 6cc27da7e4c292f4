"""Login throttling: django-axes, counting failures by account and by address.

Every login form of the desk (its own login page and the Django admin's)
authenticates through ``LoginThrottleBackend``; after too many failures the
person sees ``registration/locked_out.html`` (HTTP 429) saying how long to
wait, and django-axes logs the lockout (logger ``axes``, level WARNING).
"""

from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses logins while an account or address is locked out; authenticate() without a request is not throttled.

    Code that checks a password outside a web request (a management command, a
    test client's ``login()``) has no address to count and no person to tell,
    so it is left to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def _in_words(wait: timedelta) -> str:
    minutes = max(1, round(wait.total_seconds() / 60))
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(minutes / 60)
    return f"{hours} hours"


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The page shown (HTTP 429) to someone whose login is paused: why, for how long, and what to do."""
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": get_failure_limit(request, credentials),
        "wait": _in_words(get_cool_off(request) or timedelta(minutes=15)),
    }
    # Rendered here: this runs in a middleware, after Django has rendered the view's own response.
    return render(request, "registration/locked_out.html", context, status=429)
