"""Text features for clustering: terms that work for Japanese and English alike.

Pure functions with no Django and no network. Text is NFKC-normalised and
case-folded, so full-width and half-width forms (ＡＢＣ / ABC, ｶﾀｶﾅ / カタカナ)
give the same terms. Runs of Japanese or Chinese script, which have no spaces
between words, become overlapping character trigrams (shorter runs stay whole); other scripts become
words, without stop words and with a light plural stemmer.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter

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
    """
    a about above after again against all also am an and any are aren as at be because been before
    being below between both but by can could did didn do does doesn doing don down during each even
    few for from further get got had has hasn have haven having he her here hers herself him himself
    his how however i if in into is isn it its itself just last like made make many may me might more
    most much must my myself new news no nor not now of off on once one only or other our ours
    ourselves out over own per said same say says she should so some such than that the their theirs
    them themselves then there these they this those through to too two under until up upon us very
    via was wasn way we were weren what when where which while who whom why will with within without
    would year years yet you your yours yourself yourselves mr mrs ms according told tell week day
    time first people also since still back well including around another told reported report
    """.split()
)

# Longer "words" are identifiers, hashes or glued URLs: not topic terms (and the index column is short).
MAX_WORD = 40

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


# A capitalised Latin word that does not start a sentence: usually a name (a person, place,
# company, product), which identifies a story better than common words.
NAME_WORD = re.compile(r"(?<![.!?:\n]\s)(?<![.!?:\n])(?<!^)\b([A-Z][\w'’-]+)")
LATIN_TERM = re.compile(r"^[a-z0-9']+$")


def name_terms(text: str) -> list[str]:
    """Returns the terms of capitalised words that do not begin a sentence (likely names)."""
    return [term for word in NAME_WORD.findall(text or "") for term in tokens(word)]


def word_pairs(text: str) -> list[str]:
    """Returns adjacent pairs of Latin-script terms ("falcon heavy"): phrases are sharper than words."""
    found = tokens(text)
    return [
        f"{first} {second}"
        for first, second in zip(found, found[1:])
        if LATIN_TERM.match(first) and LATIN_TERM.match(second)
    ]


def term_counts(title: str, text: str, *, title_weight: float, text_chars: int, name_weight: float = 0.0,
                pair_weight: float = 0.0) -> Counter:
    """Returns term frequencies of an article's body: the title counted title_weight times, then
    the first text_chars characters of the text (the lead carries the story); names and word pairs
    are added with their own weights."""
    lead = (text or "")[:text_chars]
    counts: Counter = Counter()
    for term in tokens(title):
        counts[term] += title_weight
    counts.update(tokens(lead))
    if name_weight:
        for term in name_terms(f"{title}. {lead}"):
            counts[term] += name_weight
    if pair_weight:
        for pair in word_pairs(title):
            counts[pair] += title_weight * pair_weight
        for pair in word_pairs(lead):
            counts[pair] += pair_weight
    return counts


def title_counts(title: str) -> Counter:
    """Returns the term frequencies of a headline alone, words and word pairs."""
    return Counter(tokens(title)) + Counter(word_pairs(title))


TITLE_PREFIX = "t:"


def article_vector(body: dict[str, float], title: dict[str, float], *, title_share: float) -> dict[str, float]:
    """Joins a body vector and a headline vector (both unit length) into one unit vector whose
    cosine with another such vector is title_share parts headline similarity to the rest body
    similarity; headline terms carry the prefix "t:"."""
    body_scale = math.sqrt(1.0 - title_share)
    title_scale = math.sqrt(title_share)
    joined = {term: weight * body_scale for term, weight in body.items()}
    joined.update({TITLE_PREFIX + term: weight * title_scale for term, weight in title.items()})
    return unit(joined)


def idf(document_frequency: int, documents: int) -> float:
    """Smoothed inverse document frequency."""
    return math.log((documents + 1) / (document_frequency + 1)) + 1.0


def weigh(counts: Counter, frequencies: dict[str, int], documents: int, *, max_terms: int) -> dict[str, float]:
    """Returns the unit-length TF-IDF vector of counts, keeping its max_terms heaviest terms."""
    weights = {
        term: (1.0 + math.log(count) if count >= 1 else count) * idf(frequencies.get(term, 0), documents)
        for term, count in counts.items()
        if count > 0
    }
    return unit(top_terms(weights, max_terms))


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
