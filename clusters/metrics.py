"""Clustering quality against gold labels: B-cubed and pairwise precision, recall and F1."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def bcubed(predicted: Sequence[Hashable], gold: Sequence[Hashable]) -> tuple[float, float, float]:
    """Returns B-cubed (precision, recall, F1) of predicted cluster labels against gold labels,
    given per item in the same order."""
    if len(predicted) != len(gold):
        raise ValueError("predicted and gold labels must be given for the same items")
    if not predicted:
        return 0.0, 0.0, 0.0
    both = Counter(zip(predicted, gold))
    by_predicted = Counter(predicted)
    by_gold = Counter(gold)
    precision = recall = 0.0
    for (p, g), together in both.items():
        # Each of the `together` items sees `together` correct neighbours.
        precision += together * together / by_predicted[p]
        recall += together * together / by_gold[g]
    n = len(predicted)
    precision, recall = precision / n, recall / n
    return precision, recall, _f1(precision, recall)


def pairwise(predicted: Sequence[Hashable], gold: Sequence[Hashable]) -> tuple[float, float, float]:
    """Returns pairwise (precision, recall, F1): over pairs of items placed together."""
    def pairs(counter: Counter) -> int:
        return sum(count * (count - 1) // 2 for count in counter.values())

    true_positive = pairs(Counter(zip(predicted, gold)))
    predicted_pairs = pairs(Counter(predicted))
    gold_pairs = pairs(Counter(gold))
    precision = true_positive / predicted_pairs if predicted_pairs else 1.0
    recall = true_positive / gold_pairs if gold_pairs else 1.0
    return precision, recall, _f1(precision, recall)
