"""`/`: the desk's queue for people who are logged in, the public front page for visitors who are not."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.vary import vary_on_cookie

from rewrites.desk.views import queue
from rewrites.publishing.public_views import visitor_front_page


@login_not_required
@vary_on_cookie
def home(request: HttpRequest) -> HttpResponse:
    """Visitors see the published stories (the same page as /stories/); anyone logged in gets the queue,
    which answers with what their role may do."""
    if not request.user.is_authenticated:
        return visitor_front_page(request)
    return queue(request)


# The queue's rule, for the views that are checked against the rule set (tests/test_rules.py).
home.actions_by_method = queue.actions_by_method
home.public_for_visitors = True
