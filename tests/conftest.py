import json
from pathlib import Path

import django_rq
import pytest

from newsroom.database_roles import use_desk, use_owner
from newsroom.roles import ADMINS, EDITORS, STAFF, ensure_roles
from tests.browser import chromium, page  # noqa: F401 - fixtures shared by every browser test
from tests.database_owner import truncate_audit_log
from tests.factories import make_user
from tests.generate_helpers import llm  # noqa: F401 - the local model server, shared by the generation tests

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
SEED_PATH = SHARED / "seed" / "record.json"
BUNDLED_SEED_PATH = Path(__file__).resolve().parent.parent / "newsroom" / "demo" / "seed-record.json"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The test database is created, migrated and dropped as the role that owns the tables, as in production."""
    use_owner()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Tests run as the desk's role, which owns nothing (migrate granted it what it needs)."""
    with django_db_blocker.unblock():
        use_desk()
    yield
    with django_db_blocker.unblock():
        use_owner()


@pytest.fixture
def seed_record() -> dict:
    """The seed record, from ../shared when present, else the copy the demo ships."""
    path = SEED_PATH if SEED_PATH.exists() else BUNDLED_SEED_PATH
    return json.loads(path.read_text(encoding="utf-8"))


def _commits(request) -> bool:
    """Whether the test's database writes are committed (and so outlive it), not rolled back."""
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )


@pytest.fixture(autouse=True)
def empty_audit_log(request):
    """After a test whose writes were committed, the audit log is emptied as its owner: flush keeps it (the log
    only grows), and the next test must start without another test's entries."""
    yield
    if _commits(request):
        truncate_audit_log()


@pytest.fixture(autouse=True)
def empty_queues():
    connection = django_rq.get_connection("default")
    connection.flushdb()
    yield
    connection.flushdb()


@pytest.fixture
def roles(db):
    return ensure_roles()


@pytest.fixture
def editor(db):
    return make_user(username="eda", role=EDITORS)


@pytest.fixture
def staff(db):
    return make_user(username="stan", role=STAFF)


@pytest.fixture
def admin_user(db):
    return make_user(username="ada", role=ADMINS)


@pytest.fixture
def nobody(db):
    """A logged-in account with no role."""
    return make_user(username="nora")


@pytest.fixture
def run_jobs():
    """Runs the queued jobs of the named queues in a real RQ worker, in this process, until empty."""
    from rq import SimpleWorker

    def run(*queues: str) -> bool:
        names = queues or ("default", "ingest", "generate", "publish")
        worker = django_rq.get_worker(*names, worker_class=SimpleWorker)
        return worker.work(burst=True, with_scheduler=False)

    return run
