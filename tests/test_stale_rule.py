"""The stale rule, written once: a cluster with more sources than its rewrite was written from."""

import pytest
from django.urls import reverse

from clusters.models import Cluster
from rewrites.models import Rewrite

pytestmark = pytest.mark.django_db


def make_story(*, title: str, sources: int, written: int) -> Rewrite:
    cluster = Cluster.objects.create(canonical_title=title, source_count=sources, written_source_count=written)
    return Rewrite.objects.create(cluster=cluster, headline=title, status=Rewrite.Status.DRAFT)


@pytest.fixture
def stories():
    return {
        "grown": make_story(title="Grown story", sources=3, written=2),
        "covered": make_story(title="Covered story", sources=2, written=2),
        "lost a source": make_story(title="Shrunk story", sources=1, written=2),
    }


def test_the_python_and_sql_forms_of_the_rule_agree(stories):
    in_sql = set(Cluster.objects.filter(Cluster.stale_filter()).values_list("id", flat=True))
    in_python = {rewrite.cluster_id for rewrite in stories.values() if rewrite.cluster.is_stale}

    assert in_sql == in_python == {stories["grown"].cluster_id}
    assert set(Rewrite.objects.stale()) == {stories["grown"]}


@pytest.mark.parametrize("value", ["1", "yes"])
def test_the_queue_takes_stale_1_and_the_older_stale_yes(client, editor, stories, value):
    client.force_login(editor)

    rows = client.get(reverse("rewrites:queue"), {"stale": value}).context["page"].rows

    assert [row.headline for row in rows] == ["Grown story"]


@pytest.mark.parametrize("value", ["1", "yes"])
def test_the_clusters_page_takes_stale_1_and_the_older_stale_yes(client, editor, stories, value):
    client.force_login(editor)

    page = client.get(reverse("clusters:list"), {"stale": value})

    assert [cluster.canonical_title for cluster in page.context["page"]] == ["Grown story"]
    assert page.context["filters"]["stale"] == "1"


def test_an_unknown_stale_value_filters_nothing(client, editor, stories):
    client.force_login(editor)

    rows = client.get(reverse("rewrites:queue"), {"stale": "maybe"}).context["page"].rows

    assert len(rows) == 3
