"""Demo content for a fresh desk: the bundled records and the demo sources whose feeds the desk serves."""

from clusters.sources.demo import load_demo_sources
from newsroom.demo_feeds import DEMO_DIR
from rewrites.models import Rewrite
from rewrites.records import import_record, parse_records

__all__ = ["load_demo_records", "load_demo_sources"]


def load_demo_records() -> int:
    """Imports the bundled demo records the desk does not have yet; returns how many.

    A demo record already on the desk is left alone, so edits made to it survive
    a restart.
    """
    stored = 0
    for path in sorted(DEMO_DIR.glob("*.json")):
        for _, item in parse_records(path.read_text(encoding="utf-8")):
            if not Rewrite.objects.filter(id=item["rewrite"]["id"]).exists():
                import_record(item)
                stored += 1
    return stored
