"""`manage.py evaluate_claims`: the production checks on any FRANK-format file."""

import gzip
import io
import json
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

DATA = Path(os.environ.get("NEWSROOM_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
FRANK = DATA / "summaries" / "frank" / "frank_validation.jsonl.gz"
KEYS = {
    "summaries", "entity_circ_summaries", "entity_circ_flagged_share", "faithful_summaries",
    "faithful_flagged_share", "precision", "recall",
}
ARTICLE = "The council approved a budget of 4 million dollars on Monday. Mayor Jane Ortiz praised it."


def row(summary: str, *, factuality: float, entity: float = 1.0) -> dict:
    return {
        "article": ARTICLE, "system_summary": summary, "human_factuality": factuality,
        "human_error_scores": {"EntE": entity, "CircE": 1.0}, "hash": "h1",
    }


def run(path: Path) -> dict:
    out = io.StringIO()
    call_command("evaluate_claims", str(path), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_prints_one_json_line_with_the_shares_of_a_small_file(tmp_path):
    path = tmp_path / "small.jsonl.gz"
    rows = [
        row("The council approved a budget of 4 million dollars on Monday.", factuality=1.0),
        row("The council approved a budget of 9 million dollars on Monday.", factuality=0.0, entity=0.0),
        row("Mayor Jane Ortiz praised it.", factuality=1.0),
        row("Governor Tom Reyes vetoed the police plan on Friday.", factuality=0.0, entity=0.0),
    ]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in rows)

    result = run(path)

    assert set(result) >= KEYS
    assert (result["summaries"], result["entity_circ_summaries"], result["faithful_summaries"]) == (4, 2, 2)
    assert result["entity_circ_flagged_share"] == 1.0 and result["faithful_flagged_share"] == 0.0
    assert result["precision"] == 1.0 and result["recall"] == 1.0


def test_reads_plain_json_lines_too(tmp_path):
    path = tmp_path / "small.jsonl"
    path.write_text(json.dumps(row("Mayor Jane Ortiz praised it.", factuality=1.0)) + "\n", encoding="utf-8")
    assert run(path)["faithful_flagged_share"] == 0.0


def test_a_file_in_another_format_is_refused_saying_what_is_missing(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"article": "x"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="line 1: missing system_summary, human_factuality, human_error_scores"):
        call_command("evaluate_claims", str(path))


def test_a_missing_file_is_refused():
    with pytest.raises(CommandError, match="does not exist"):
        call_command("evaluate_claims", "/nonexistent/frank.jsonl.gz")


@pytest.mark.data
@pytest.mark.skipif(not FRANK.exists(), reason=f"{FRANK} is absent (third-party data in ../shared/data)")
def test_on_frank_validation_the_default_flags_four_in_five_entity_errors_at_one_in_five_false_alarms():
    result = run(FRANK)
    assert (result["summaries"], result["entity_circ_summaries"], result["faithful_summaries"]) == (671, 240, 243)
    assert result["entity_circ_flagged_share"] >= 0.80 and result["faithful_flagged_share"] <= 0.20
    assert result["entity_circ_flagged_share"] > result["naive_entity_circ_flagged_share"]


def test_folds_keep_every_summary_of_an_article_together():
    from rewrites.checks.lint_evaluation import article_folds

    rows = [{"hash": f"h{index % 7}", "article": ""} for index in range(40)]
    folds = article_folds(rows, folds=5, seed=3)
    assert len({(row["hash"], fold) for row, fold in zip(rows, folds)}) == 7
    assert set(folds) == set(range(5))


def test_cross_validation_trains_each_fold_without_its_held_out_articles():
    from rewrites.checks.lint_evaluation import article_folds, cross_validate_scores

    rows = [
        {"hash": f"h{index}", "article": "", "human_factuality": float(index % 2), "human_error_scores": {"EntE": float(index % 2)}}
        for index in range(20)
    ]
    held_out = article_folds(rows)
    trained_on = []

    def fit(training: list[int]) -> list[float]:
        trained_on.append(set(training))
        return [0.9 if row["human_factuality"] == 0 else 0.1 for row in rows]

    result, thresholds = cross_validate_scores(rows, [0.0] * 20, [False] * 20, fit=fit)

    assert all(not any(held_out[i] == fold for i in training) for fold, training in enumerate(trained_on))
    assert result["entity_circ_flagged_share"] == 1.0 and result["faithful_flagged_share"] == 0.0
    assert all(0.1 < threshold <= 0.9 for threshold in thresholds)


@pytest.mark.data
@pytest.mark.skipif(not (DATA / "summaries" / "jawikinews_headline").exists(), reason="../shared/data/summaries/jawikinews_headline/ is absent")
def test_japanese_corruptions_of_numbers_are_caught_without_false_alarms_on_faithful_renderings():
    from bench.bench_lint_claims import WIKINEWS, corruption_rows
    from rewrites.checks import lint

    with gzip.open(WIKINEWS, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for _, line in zip(range(300), handle)]
    flagged = {"faithful": [], "number changed": []}
    for item in corruption_rows(rows):
        if item["kind"] in flagged:
            draft = lint.Draft(fields={"summary": item["text"]}, sources=[lint.SourceText(title=item["title"], text=item["article"])])
            findings = lint.lint_unsupported_numbers(draft)
            flagged[item["kind"]].append(any(f.severity == "error" for f in findings))
    assert sum(flagged["faithful"]) == 0
    assert sum(flagged["number changed"]) / len(flagged["number changed"]) > 0.5
