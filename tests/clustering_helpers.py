"""Factories for clustering tests: sources and articles created directly in the database."""

import itertools
from datetime import datetime, timedelta, timezone

from clusters.models import Article, Source

_numbers = itertools.count(1)
BASE_TIME = datetime(2026, 7, 4, 9, 0, tzinfo=timezone.utc)


def make_source(*, name: str | None = None, trust: int = 3, domain: str = "tech", language: str = "en") -> Source:
    number = next(_numbers)
    return Source.objects.create(
        name=name or f"Source {number}", trust=trust, domain=domain, language=language,
        feed_url=f"https://source{number}.example/feed",
    )


def make_article(*, source: Source, title: str, text: str = "", hours: float = 0, language: str = "en",
                 published_at: datetime | None = None) -> Article:
    number = next(_numbers)
    url = f"https://{source.name.lower().replace(' ', '-')}.example/articles/{number}"
    return Article.objects.create(
        source=source, url=url, canonical_url=url, title=title, text=text, language=language,
        published_at=published_at or BASE_TIME + timedelta(hours=hours),
    )


SUBWAY_A = (
    "NYC subway work trains collide in tunnel, one worker injured",
    "Two New York City subway work trains collided in the 53rd Street tunnel under the East River on "
    "Wednesday morning, injuring one MTA worker. The Metropolitan Transportation Authority said the "
    "trains bumped into each other but did not derail; no passengers were aboard.",
)
SUBWAY_B = (
    "Two MTA work trains crash in subway tunnel under East River",
    "An MTA worker was hurt when two subway work trains collided in a tunnel beneath the East River, "
    "the Metropolitan Transportation Authority said on Wednesday. The trains did not derail and no "
    "passengers were on board the work trains in the 53rd Street tunnel.",
)
# Same day, same city, overlapping words (New York, subway, MTA, Wednesday), different story.
SUBWAY_FARE = (
    "MTA board votes to raise New York subway fare to $3",
    "The Metropolitan Transportation Authority board voted on Wednesday to raise the base subway and "
    "bus fare in New York City to three dollars from next spring, citing a budget gap and rising "
    "pension costs. Riders' groups said the increase would hurt low-income commuters.",
)
VOLCANO = (
    "Volcano erupts on remote island, ash cloud grounds regional flights",
    "A volcano on a remote Pacific island erupted overnight, sending an ash cloud eight kilometres high "
    "and grounding regional flights, aviation officials said.",
)
