"""The unsupported-claim lints against human factuality judgements (FRANK validation split).

Each of FRANK's 671 system summaries is linted as if it were a rewrite's summary, with its news article
as the only source; a summary counts as flagged when the unsupported-number, -date, -name or -quote lint
fires. That is compared with the human judgement (``human_factuality`` below 1: at least one annotator
found a factual error). Needs ../shared/data/summaries/frank/.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

TITLE = "Unsupported-claim lints against human judgements (FRANK)"
DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "summaries" / "frank" / "frank_validation.jsonl.gz"


def run() -> str:
    if not DATA.exists():
        return f"Skipped: {DATA} is not present (the shared test data folder is missing)."
    from rewrites import lint

    checks = [
        lint.lint_unsupported_numbers, lint.lint_unsupported_dates,
        lint.lint_unsupported_names, lint.lint_unsupported_quotes,
    ]
    table = Counter()
    by_code = Counter()
    by_code_true = Counter()
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    for row in rows:
        draft = lint.Draft(
            fields={"summary": row["system_summary"]},
            sources=[lint.SourceText(title="", text=row["article"])],
        )
        codes = {finding.code for check in checks for finding in check(draft)}
        unfaithful = float(row["human_factuality"]) < 1.0
        table[(bool(codes), unfaithful)] += 1
        for code in codes:
            by_code[code] += 1
            by_code_true[code] += unfaithful
    flagged = table[(True, True)] + table[(True, False)]
    unfaithful_total = table[(True, True)] + table[(False, True)]
    precision = table[(True, True)] / flagged if flagged else 0
    recall = table[(True, True)] / unfaithful_total if unfaithful_total else 0
    base_rate = unfaithful_total / len(rows)
    lines = [
        f"{len(rows)} summaries of {len({row['hash'] for row in rows})} articles; {unfaithful_total} "
        f"({base_rate:.0%}) judged to contain a factual error by people.",
        "",
        "| | people: error | people: no error |",
        "|---|---|---|",
        f"| lints flag the summary | {table[(True, True)]} | {table[(True, False)]} |",
        f"| lints stay quiet | {table[(False, True)]} | {table[(False, False)]} |",
        "",
        f"Precision {precision:.0%} (against a base rate of {base_rate:.0%}), recall {recall:.0%}: the lints "
        "only see numbers, dates, names and quotes, so most errors people find (wrong relations, wrong "
        "coreference) are out of their reach; what they flag is usually wrong.",
        "",
        "| lint | summaries flagged | of which people found an error |",
        "|---|---|---|",
    ]
    for code, count in sorted(by_code.items()):
        lines.append(f"| `{code}` | {count} | {by_code_true[code]} ({by_code_true[code] / count:.0%}) |")
    lines.append("")
    lines.append(
        "FRANK's CNN/DM system summaries are lower-cased, so the name lint (which looks for capitalised "
        "names) rarely fires there."
    )
    return "\n".join(lines)
