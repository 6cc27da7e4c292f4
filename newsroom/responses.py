"""The answer to a POSTed action, the same on every page, and the type of a request htmx may have sent."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request as the desk's views see it: django-htmx's middleware has set ``htmx``."""

    htmx: HtmxDetails


def respond_after_action(
    request: HtmxHttpRequest, *, partial: Callable[[], HttpResponse], redirect_to: str, error: str = "", notice: str = ""
) -> HttpResponse:
    """htmx: the refreshed part of the page (``partial()``, which shows the error or notice itself);
    otherwise the error or notice becomes a message and the browser is redirected (post/redirect/get)."""
    if request.htmx:
        return partial()
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect(redirect_to)
