"""The web process: every view loaded, and what it loaded hidden from the garbage collector, before the
first request (newsroom/wsgi.py)."""

import json
import os
import subprocess
import sys

from django.conf import settings


def test_the_web_process_loads_every_view_and_freezes_what_it_loaded():
    code = (
        "import gc, json, sys\n"
        "import newsroom.wsgi\n"
        "print(json.dumps({'frozen': gc.get_freeze_count(), 'tracked': len(gc.get_objects()),\n"
        "                  'views': all(name in sys.modules for name in ('rewrites.desk.views', 'clusters.sources.views'))}))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["views"]
    # The collector's full passes walk what is left: a small part of what the process holds.
    assert result["frozen"] > 50_000
    assert result["tracked"] < result["frozen"] / 10
