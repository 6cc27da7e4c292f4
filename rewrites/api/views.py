"""The records API: the same JSON as import and export."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from newsroom.parameters import whole_number
from newsroom.rules import Action, requires
from newsroom.timestamps import format_timestamp, parse_timestamp
from rewrites.records import record_for, records_queryset


def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _json(data) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@login_not_required
@require_GET
@requires(Action.READ_API, api=True)
def record(request: HttpRequest, rewrite_id: str) -> JsonResponse:
    rewrite = records_queryset().filter(id=rewrite_id).first()
    if rewrite is None:
        return _refuse(404, f"No rewrite with id {rewrite_id}.")
    return _json(record_for(rewrite))


def _time_parameter(value: str, name: str):
    try:
        return parse_timestamp(value)
    except ValueError as error:
        raise ValueError(f"'{name}' must be an ISO 8601 time with a time zone: {error}.") from None


@login_not_required
@require_GET
@requires(Action.READ_API, api=True)
def records(request: HttpRequest) -> JsonResponse:
    """Pages through records by (updatedAt, id), oldest first.

    ``since`` keeps rewrites updated at or after a time; ``after`` is the
    cursor from the previous page's ``next`` link.
    """
    rewrites = records_queryset().order_by("updated_at", "id")
    since = request.GET.get("since")
    after = request.GET.get("after")
    try:
        if since:
            rewrites = rewrites.filter(updated_at__gte=_time_parameter(since, "since"))
        if after:
            moment, _, last_id = after.partition("|")
            moment = _time_parameter(moment, "after")
            rewrites = rewrites.filter(Q(updated_at__gt=moment) | Q(updated_at=moment, id__gt=last_id))
    except ValueError as error:
        return _refuse(400, str(error))
    try:
        limit = min(max(whole_number(request.GET.get("limit", str(settings.NEWSROOM_API_PAGE_SIZE)), name="limit"), 1), 1000)
    except ValueError:
        return _refuse(400, "'limit' must be a whole number between 1 and 1000.")
    page = list(rewrites[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    next_url = None
    if more:
        last = page[-1]
        query = {"after": f"{last.updated_at.isoformat()}|{last.id}", "limit": limit}
        if since:
            query["since"] = since
        next_url = request.build_absolute_uri(reverse("api:records") + "?" + urlencode(query))
    return _json(
        {
            "records": [record_for(rewrite) for rewrite in page],
            "next": next_url,
            "until": format_timestamp(page[-1].updated_at) if page else None,
        }
    )
