"""The review benchmark's synthetic data stays loadable as the models change."""

import pytest

from bench.bench_review import populate
from rewrites.models import Rewrite

pytestmark = pytest.mark.django_db


def test_review_benchmark_data_loads_and_serves_the_queue_and_workspace(client, editor):
    populate(30)
    client.force_login(editor)

    queue = client.get("/", {"q": "anime", "status": "draft"})
    workspace = client.get(f"/rewrites/{Rewrite.objects.order_by('id').first().id}/")

    assert Rewrite.objects.count() == 30
    assert queue.status_code == 200 and queue.context["page"].rows
    assert workspace.status_code == 200
