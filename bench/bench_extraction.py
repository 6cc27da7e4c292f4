"""Article text extraction quality on the article-extraction benchmark pages."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

TITLE = "Article text extraction (ingest)"
DATA = Path(os.environ.get("NEWSROOM_SHARED_DATA") or Path(settings.BASE_DIR).parent / "shared" / "data") / "extraction" / "aeb"


def run() -> str:
    if not (DATA / "ground-truth.json").exists():
        return f"Skipped: {DATA} is absent (the third-party data in ../shared/data is not on this machine)."
    command = [sys.executable, "manage.py", "evaluate_extraction", str(DATA)]
    output = subprocess.run(command, cwd=settings.BASE_DIR, check=True, capture_output=True, text=True).stdout
    result = json.loads(output.strip().splitlines()[-1])

    import gzip

    import trafilatura

    from clusters.sources.extract import token_scores

    truth = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    default_f1 = 0.0
    for page_id, item in truth.items():
        html = gzip.decompress((DATA / "html" / f"{page_id}.html.gz").read_bytes())
        default_f1 += token_scores(trafilatura.extract(html) or "", item["articleBody"])[2]
    default_f1 /= len(truth)

    from clusters.sources.extract import EXTRACTION_OPTIONS

    options = ", ".join(f"{name}={value}" for name, value in EXTRACTION_OPTIONS.items())
    return f"""Token-level precision, recall and F1 of the extracted main text against the human-checked
`articleBody` of each page (whitespace tokens compared as multisets), macro-averaged over pages, on
`../shared/data/extraction/aeb/` (scrapinghub article-extraction-benchmark, {result['pages']} pages).
Target: F1 at or above 0.93.

| extractor | precision | recall | F1 | pages |
|---|---|---|---|---|
| trafilatura ({options}) — used by ingest | {result['precision']:.4f} | {result['recall']:.4f} | **{result['f1']:.4f}** | {result['pages']} |
| trafilatura with its default options (comments included) | | | {default_f1:.4f} | {len(truth)} |

Command: `.venv/bin/python manage.py evaluate_extraction ../shared/data/extraction/aeb` printed
`{output.strip()}`."""
