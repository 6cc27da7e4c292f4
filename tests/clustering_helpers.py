"""Stories for the clustering tests: two reports of one event, look-alikes of another, and an archive."""

from tests.factories import make_article, make_source

SUBWAY_A = (
    "NYC subway work trains collide in tunnel, one worker injured",
    "Two New York City subway work trains collided in the 53rd Street tunnel under the East River on "
    "Wednesday morning, injuring one MTA worker. The Metropolitan Transportation Authority said the "
    "trains bumped into each other but did not derail; no passengers were aboard. Firefighters removed "
    "the injured worker from the Manhattan side of the tunnel shortly after the collision at 5:10 a.m., "
    "and the worker was treated for injuries that were not life-threatening. The stretch of track has been "
    "closed overnight for repairs since the summer, and the two maintenance trains were moving rails and "
    "ballast when they met. Investigators from the agency and the workers' union were examining signal "
    "records and the speed of both trains.",
)
SUBWAY_B = (
    "Two MTA work trains crash in subway tunnel under East River",
    "An MTA worker was hurt when two subway work trains collided in a tunnel beneath the East River, "
    "the Metropolitan Transportation Authority said on Wednesday. The trains did not derail and no "
    "passengers were on board the work trains in the 53rd Street tunnel. Fire crews carried the injured "
    "worker out on the Manhattan side after the crash just after 5 a.m.; his injuries were described as "
    "not life-threatening. The tunnel has been under overnight repair work for months, and the "
    "maintenance trains were hauling rails when they collided. Union officials said they wanted to know "
    "how fast the trains were going and whether the signals worked.",
)
# Same day, same city, same agency, overlapping words (New York, subway, MTA, Wednesday): another story.
SUBWAY_FARE = (
    "MTA board votes to raise New York subway fare to $3",
    "The Metropolitan Transportation Authority board voted on Wednesday to raise the base subway and "
    "bus fare in New York City to three dollars from next spring, citing a budget gap and rising "
    "pension costs. Riders' groups said the increase would hurt low-income commuters, and several board "
    "members who voted against the plan asked the state legislature for more operating aid. The weekly "
    "and monthly unlimited passes will also cost more, while reduced fares for seniors and people with "
    "disabilities stay at half price. The fare increase is the first in four years and is expected to "
    "bring in about 300 million dollars a year, according to the authority's budget documents.",
)
VOLCANO = (
    "Volcano erupts on remote island, ash cloud grounds regional flights",
    "A volcano on a remote Pacific island erupted overnight, sending an ash cloud eight kilometres high "
    "and grounding regional flights, aviation officials said.",
)

# Earlier, unrelated stories: an archive with some history, so that document frequencies know
# which words are common (New York, officials, Wednesday) and which name a story.
BACKGROUND = [
    ("New York City officials open new bike lanes in Brooklyn",
     "New York City transportation officials said on Wednesday that new protected bike lanes had opened in Brooklyn."),
    ("Yankees win home opener in New York",
     "The New York Yankees won their home opener on Wednesday night in front of a sold-out crowd in the Bronx."),
    ("Authorities say storm knocks out power across New York suburbs",
     "Authorities said on Wednesday that a storm had knocked out power to thousands of homes in the New York suburbs."),
    ("City council approves new housing plan for Queens",
     "The city council approved a housing plan for Queens on Wednesday; officials said construction would start next year."),
    ("Transportation authority reports record ridership on commuter rail",
     "The transportation authority said on Wednesday that commuter rail ridership reached a record in the morning commute."),
    ("Manhattan bridge closed for repairs, officials say",
     "Officials said a Manhattan bridge would be closed for repairs, and the agency urged drivers to use a tunnel instead."),
    ("Police investigate fire at warehouse in the Bronx",
     "Fire department officials said firefighters put out a blaze at a Bronx warehouse on Wednesday morning; one person was injured."),
    ("Bus drivers union reaches contract deal with city",
     "The bus drivers union reached a contract deal with the city on Wednesday, officials said, averting a strike."),
    ("Airport train service suspended after power failure",
     "Train service to the airport was suspended on Wednesday after a power failure, the authority said; passengers used buses."),
    ("Museum of Natural History unveils dinosaur skeleton",
     "The American Museum of Natural History in New York unveiled a new dinosaur skeleton on Wednesday."),
]


def warm_archive(*, hours: float = -72) -> None:
    """Stores and clusters the background stories a few days before BASE_TIME."""
    from clusters.clustering import assign_article

    source = make_source(name="Background wire")
    for number, (title, text) in enumerate(BACKGROUND):
        article = make_article(source=source, title=title, text=text, hours=hours + number)
        assign_article(article_id=article.id)
