"""Cohen's kappa: how much two raters agree beyond chance (screening reviewers, coders).

kappa = (p_o − p_e) / (1 − p_e): p_o the share of items both rated alike, p_e the share expected
by chance from each rater's own rates. Used by `stages/screen/agreement.py` (decisions per work)
and `stages/code/human.py` (each code present or absent per work).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two equally long label lists (None when undefined: no items, or p_e = 1)."""
    n = len(a)
    if n == 0 or n != len(b):
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    counts_a, counts_b = Counter(a), Counter(b)
    expected = sum(counts_a[label] * counts_b[label] for label in set(a) | set(b)) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)
