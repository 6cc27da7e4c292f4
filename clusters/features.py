"""Text features for clustering: terms that work for Japanese and English alike.

Pure functions with no Django and no network. Text is NFKC-normalised and
case-folded, so full-width and half-width forms (ＡＢＣ / ABC, ｶﾀｶﾅ / カタカナ)
give the same terms. Runs of Japanese or Chinese script, which have no spaces
between words, become overlapping character trigrams (shorter runs stay whole); other scripts become
words, without stop words and with a light plural stemmer. Anchors (names, numbers, dates read by
newsroom.facts) are kept apart from the words so that articles in different languages can meet.
Weights are TF-IDF with a background prior from general word frequencies (clusters.background).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter

from clusters.background import document_share
from newsroom.facts import extract_dates, extract_names, extract_quantities, name_key

# Hiragana, katakana (with the prolonged sound mark), CJK ideographs, iteration marks.
CJK_CHARS = r"\u3005\u3006\u303b\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RUN = rf"[{CJK_CHARS}]+"
WORD = rf"[^\W_{CJK_CHARS}]+"
CJK_CHAR = re.compile(rf"[{CJK_CHARS}]")
LETTER = re.compile(r"[^\W\d_]")
TOKEN = re.compile(rf"({CJK_RUN})|({WORD}(?:['’]{WORD})*)")
# Character n-gram length for Japanese and Chinese: trigrams are specific enough that stories on
# one topic (two typhoons) do not look alike; shorter runs are kept whole.
CJK_GRAM = 3

STOP_WORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "aren", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "didn", "do", "does", "doesn", "doing", "don", "down", "during", "each", "even", "few", "for", "from", "further", "get", "got", "had", "has", "hasn", "have", "haven", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "however", "i", "if", "in", "into", "is", "isn", "it", "its", "itself", "just", "last", "like", "made", "make", "many", "may", "me", "might", "more", "most", "much", "must", "my", "myself", "new", "news", "no", "nor", "not", "now", "of", "off", "on", "once", "one", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "per", "said", "same", "say", "says", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "two", "under", "until", "up", "upon", "us", "very", "via", "was", "wasn", "way", "we", "were", "weren", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "within", "without", "would", "year", "years", "yet", "you", "your", "yours", "yourself", "yourselves", "mr", "mrs", "ms", "according", "told", "tell", "week", "day", "time", "first", "people", "also", "since", "still", "back", "well", "including", "around", "another", "told", "reported", "report"]
)

# Longer "words" are identifiers, hashes, base64 or glued URLs: not topic terms (and the index column is short).
# The same bound holds for the words of names and the digits of numbers among the anchors.
MAX_WORD = 40
# The longest term the clustering index can hold (ClusterTerm.term and TermFrequency.term are varchar(100)).
# Words and anchors are bounded well below it; a longer term is dropped rather than stored, so that no
# text an article carries can make its clustering fail.
MAX_TERM = 100

# Kana-only bigrams are mostly grammar (した, している, による): they carry no topic.
KANA_ONLY = re.compile(r"^[\u3040-\u309f\u30fc]+$")


def normalize(text: str) -> str:
    """Returns text in NFKC, case-folded, so that width and case variants compare equal."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def _stem(word: str) -> str:
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Returns the terms of text in order: words, and bigrams of Japanese/Chinese script."""
    found = []
    for cjk, word in TOKEN.findall(normalize(text)):
        if cjk:
            if len(cjk) == 1:
                continue  # a lone character (年, 日, the weekday in "(火)") says nothing about the story
            if len(cjk) <= CJK_GRAM:
                if not KANA_ONLY.match(cjk):
                    found.append(cjk)
                continue
            for i in range(len(cjk) - CJK_GRAM + 1):
                gram = cjk[i : i + CJK_GRAM]
                if not KANA_ONLY.match(gram):
                    found.append(gram)
        else:
            word = word.replace("’", "'")
            if word in STOP_WORDS or (len(word) < 2 and not word.isdigit()) or len(word) > MAX_WORD:
                continue
            word = _stem(word)
            if word and word not in STOP_WORDS:
                found.append(word)
    return found


# The headline counts three times: it names the story; the lead (the first LEAD_CHARS characters of
# the text) tells it, and later paragraphs drift into background. Both measured in docs/benchmarks.md.
TITLE_WEIGHT = 3
LEAD_CHARS = 1500


def term_counts(title: str, text: str, *, tokenize=None) -> Counter:
    """Returns the term frequencies of an article: the headline's terms counted TITLE_WEIGHT times,
    then the terms of the lead (the first LEAD_CHARS characters of the text)."""
    tokenize = tokenize or tokens
    counts: Counter = Counter()
    for term in tokenize(title or ""):
        counts[term] += TITLE_WEIGHT
    counts.update(tokenize((text or "")[:LEAD_CHARS]))
    return _storable(counts)


def _storable(counts: Counter) -> Counter:
    """counts without the terms too long for the index (see MAX_TERM)."""
    return Counter({term: count for term, count in counts.items() if len(term) <= MAX_TERM})


# Anchors: names, numbers and dates in a form that does not depend on the language they were
# written in, so an English and a Japanese report of one event can be compared. They carry this
# prefix and make up their own unit vector beside the words.
ANCHOR = "#"
SMALLEST_ANCHOR_NUMBER = 10


def anchor_counts(title: str, text: str) -> Counter:
    """Returns the article's anchors: every name word (Japanese names by their romanised readings),
    every number of at least SMALLEST_ANCHOR_NUMBER that is not a year, and every day of a month
    mentioned in the headline and the lead. Name words and numbers longer than MAX_WORD characters
    (a run-on hashtag, a long digit string, a base64 blob) are left out: they name no story."""
    counts: Counter = Counter()
    for part, weight in ((title or "", TITLE_WEIGHT), ((text or "")[:LEAD_CHARS], 1)):
        found = set()
        for name in extract_names(part):
            for reading in name.readings or (name.text,):
                found.update(
                    f"{ANCHOR}n:{word}" for word in name_key(reading).split()
                    if 3 <= len(word) <= MAX_WORD and not word.isdigit()
                )
        for quantity in extract_quantities(part):
            if quantity.kind in ("year", "date", "time") or quantity.value < SMALLEST_ANCHOR_NUMBER:
                continue
            digits = format(quantity.value.normalize(), "f")
            if len(digits) <= MAX_WORD:
                found.add(f"{ANCHOR}q:{digits}")
        for mention in extract_dates(part):
            if mention.month and mention.day:
                found.add(f"{ANCHOR}d:{mention.month:02d}-{mention.day:02d}")
        for term in found:
            counts[term] += weight
    return _storable(counts)


def is_anchor(term: str) -> bool:
    return term.startswith(ANCHOR)


def background_share(term: str) -> float:
    """Share of news articles expected to contain term before the desk has counted any (see clusters.background)."""
    if term.startswith(ANCHOR + "n:"):
        return document_share(term[3:])
    if is_anchor(term):
        return 0.0
    return document_share(term)


# The background (clusters.background) counts as this many articles already read: on a new desk
# common words are known to be common, and as the desk reads more its own counts take over.
PRIOR_DOCUMENTS = 1000
# Heaviest terms kept per article: enough for a news lead, and a bound on the index's size.
ARTICLE_TERMS = 150


def idf(document_frequency: int, documents: int, prior_share: float = 0.0) -> float:
    """Smoothed inverse document frequency, with PRIOR_DOCUMENTS background articles of which
    prior_share contained the term."""
    return math.log((documents + PRIOR_DOCUMENTS + 1) / (document_frequency + PRIOR_DOCUMENTS * prior_share + 1)) + 1.0


def weigh(counts: Counter, frequencies: dict[str, int], documents: int, *, max_terms: int = ARTICLE_TERMS) -> dict[str, float]:
    """Returns the unit-length TF-IDF vector of counts, keeping its max_terms heaviest terms."""
    weights = {
        term: (1.0 + math.log(count) if count >= 1 else count)
        * idf(frequencies.get(term, 0), documents, background_share(term))
        for term, count in counts.items()
        if count > 0
    }
    return unit(top_terms(weights, max_terms))


def article_vector(words: dict[str, float], anchors: dict[str, float]) -> dict[str, float]:
    """Joins the unit vector of an article's words and the unit vector of its anchors into one
    mapping; each part is compared on its own (see clusters.clustering)."""
    return {**words, **anchors}


def split(vector: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """Returns the word part and the anchor part of a vector."""
    words, anchors = {}, {}
    for term, weight in vector.items():
        (anchors if is_anchor(term) else words)[term] = weight
    return words, anchors


def top_terms(vector: dict[str, float], limit: int) -> dict[str, float]:
    """Returns the limit heaviest terms of vector; ties broken by term so the result is deterministic."""
    if len(vector) <= limit:
        return dict(vector)
    return dict(sorted(vector.items(), key=lambda item: (-item[1], item[0]))[:limit])


def unit(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(weight * weight for weight in vector.values()))
    if norm == 0:
        return {}
    return {term: weight / norm for term, weight in vector.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Dot product of two unit vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(term, 0.0) for term, weight in a.items())


def add(total: dict[str, float], vector: dict[str, float], sign: float = 1.0) -> dict[str, float]:
    """Returns total + sign * vector, dropping terms that reach zero."""
    result = dict(total)
    for term, weight in vector.items():
        value = result.get(term, 0.0) + sign * weight
        if abs(value) < 1e-9:
            result.pop(term, None)
        else:
            result[term] = value
    return result


def is_mostly_cjk(text: str) -> bool:
    """True when at least a third of text's letters are Japanese or Chinese script."""
    letters = len(LETTER.findall(text))
    return letters > 0 and len(CJK_CHAR.findall(text)) * 3 >= letters
