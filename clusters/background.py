"""How common a word is in English and Japanese at large, from the wordfreq package's word lists.

Clustering needs to know which words are common before the desk has read many articles: on a new
desk every word of the first articles looks rare, and a similarity threshold then means something
different at 100 articles than at 100,000. wordfreq (Apache-2.0 code; word lists built from
Wikipedia, subtitles, news, books and web text, CC BY-SA 4.0) gives the frequency of a word per
token of running text; ``document_share`` turns that into the share of news articles expected to
contain the word, which clustering uses as a prior for its document frequencies.
"""

from __future__ import annotations

import math
from functools import lru_cache

# Terms an average news article has (headline counted three times plus its lead): a word with
# frequency f per token is expected in 1 - exp(-ARTICLE_TOKENS * f) of articles.
ARTICLE_TOKENS = 400
LANGUAGES = ("en", "ja")


@lru_cache(maxsize=None)
def _frequencies(language: str) -> dict[str, float]:
    import wordfreq

    return wordfreq.get_frequency_dict(language, wordlist="best")


@lru_cache(maxsize=200_000)
def word_frequency(word: str) -> float:
    """Frequency per token of word (case-folded) in the English list, else the Japanese one, else 0."""
    for language in LANGUAGES:
        found = _frequencies(language).get(word)
        if found is not None:
            return found
    return 0.0


def document_share(term: str) -> float:
    """Share of news articles expected to contain term; a word pair ("falcon heavy") as if its words were independent."""
    if " " in term:
        share = 1.0
        for word in term.split():
            share *= document_share(word)
        return share
    return 1.0 - math.exp(-ARTICLE_TOKENS * word_frequency(term))


def zipf(word: str) -> float:
    """log10 of the word's frequency per billion tokens (0 for an unknown word): 7 for "the", 3 for "hiroshima"."""
    frequency = word_frequency(word)
    return math.log10(frequency * 1e9) if frequency > 0 else 0.0
