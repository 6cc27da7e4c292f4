"""`make bench`: runs every bench/bench_*.py module and writes docs/benchmarks.md.

Each module has ``TITLE`` and ``run() -> str`` returning a Markdown section
(tables and the command that reproduces it). Run one with
``.venv/bin/python -m bench.run NAME`` (e.g. ``ingest``).
"""

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "benchmarks.md"
START = "<!-- bench:{name} -->"
END = "<!-- /bench:{name} -->"


def main(names: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    available = sorted(
        module.name.removeprefix("bench_")
        for module in pkgutil.iter_modules([str(ROOT / "bench")])
        if module.name.startswith("bench_")
    )
    chosen = names or available
    unknown = set(chosen) - set(available)
    if unknown:
        sys.exit(f"No benchmark named {', '.join(sorted(unknown))}; there are: {', '.join(available)}.")
    for name in chosen:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"Running {name} benchmark...", flush=True)
        started = time.monotonic()
        section = module.run().strip()
        elapsed = time.monotonic() - started
        block = (
            f"{START.format(name=name)}\n## {module.TITLE}\n\n{section}\n\n"
            f"_Measured {time.strftime('%Y-%m-%d')} on this machine ({os.cpu_count()} cores) in {elapsed:.0f} s; "
            f"rerun with `.venv/bin/python -m bench.run {name}`._\n{END.format(name=name)}"
        )
        start, end = START.format(name=name), END.format(name=name)
        text = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else HEADER
        if start in text and end in text:
            before, _, rest = text.partition(start)
            _, _, after = rest.partition(end)
            text = before + block + after
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
        OUTPUT.parent.mkdir(exist_ok=True)
        OUTPUT.write_text(text, encoding="utf-8")
        print(section, flush=True)
    print(f"Wrote {OUTPUT.relative_to(ROOT)}.")


HEADER = """# Benchmarks

Measured with `make bench` (all of them) or `.venv/bin/python -m bench.run NAME` (one), on the
development machine: 2 cores, 24 GiB. Numbers are from real PostgreSQL and Redis (embedded unless
`DATABASE_URL` / `REDIS_URL` are set). Performance is measured here, never asserted in tests.
"""

if __name__ == "__main__":
    main(sys.argv[1:])
