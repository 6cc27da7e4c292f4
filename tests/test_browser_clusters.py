"""In the browser: the Clusters page finds a merge's target by its headline, confirms in place with an Undo,
and the page does not jump."""

import pytest

from clusters.models import Cluster, ClusterChange
from tests.browser import log_in, screenshot
from tests.factories import make_clustered_article, make_source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLES = [
    "Volcano erupts on remote island", "Chess champion retires after final match", "Central bank raises interest rates",
    "Marathon record falls in Berlin", "Museum returns stolen painting", "Orchestra announces winter tour",
    "Bridge closes for repairs until spring", "Satellite launch delayed by weather", "Farmers report record apple harvest",
]


@pytest.fixture
def clusters():
    articles = [make_clustered_article(source=make_source(), title=title, text=title, hours=number * 10)
                for number, title in enumerate(TITLES)]
    assert len({article.cluster_id for article in articles}) == len(TITLES)
    return {article.title: article.cluster_id for article in articles}


def test_merge_by_headline_confirms_in_place_and_undo_puts_it_back(page, live_server, editor, clusters):
    page.set_viewport_size({"width": 1280, "height": 700})
    log_in(page, live_server, username="eda")
    page.goto(f"{live_server.url}/clusters/")
    away_id = clusters["Museum returns stolen painting"]
    keep_id = clusters["Orchestra announces winter tour"]
    section = page.locator(f"section#{away_id}")
    section.scroll_into_view_if_needed()
    # Nothing to type into until the editor asks to merge or move.
    assert page.locator("section.cluster input[type=search]:visible").count() == 0

    section.get_by_text("Merge into…").click()
    section.get_by_label("Merge this cluster into the one whose headline has").fill("orchestra")
    candidate = section.get_by_label("Orchestra announces winter tour")
    candidate.wait_for()
    assert section.locator(".target-list li").count() == 1
    candidate.check()
    section.get_by_label("Reason").last.fill("The same tour")
    screenshot(page, "clusters-merge-search", docs=True, full_page=False)
    scrolled = page.evaluate("window.scrollY")
    section.get_by_role("button", name="Merge").click()

    outcome = page.locator(f"section#{away_id} .ok")
    outcome.wait_for()
    assert "Merged into “Orchestra announces winter tour”, which now has 2 sources" in outcome.inner_text()
    assert abs(page.evaluate("window.scrollY") - scrolled) < 50
    assert page.locator(f"section#{keep_id} .articles tbody tr").count() == 2
    assert Cluster.objects.get(id=away_id).status == Cluster.Status.MERGED
    screenshot(page, "clusters-merged-with-undo", docs=True, full_page=False)

    outcome.get_by_role("button", name="Undo").click()
    page.locator(f"section#{away_id} .ok:has-text('Undid the merge')").wait_for()
    assert page.locator(f"section#{keep_id} .articles tbody tr").count() == 1
    assert Cluster.objects.get(id=away_id).status == Cluster.Status.OPEN
    assert ClusterChange.objects.filter(action=ClusterChange.Action.UNDO).count() == 1


def test_an_article_moves_to_a_new_cluster_from_its_row(page, live_server, editor, clusters):
    log_in(page, live_server, username="eda")
    page.goto(f"{live_server.url}/clusters/")
    origin_id = clusters["Chess champion retires after final match"]
    row = page.locator(f"section#{origin_id} tbody tr").first

    row.get_by_text("Move…").click()
    row.get_by_label("a new cluster of its own").check()
    row.get_by_role("button", name="Move the article").click()

    outcome = page.locator(f"section#{origin_id} .ok")
    outcome.wait_for()
    assert "(a new cluster)" in outcome.inner_text()
    assert outcome.get_by_role("button", name="Undo").is_visible()
