"""The answer to a POSTed action, the same on every page."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def respond_after_action(
    request: HttpRequest, *, partial: Callable[[], HttpResponse], redirect_to: str, error: str = "", notice: str = ""
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
