"""Cluster records into works: connected components of the "same" pairs, with cannot-links.

Plain connected components chain: A = B and B = C joins A and C even when A and C have different
DOIs. Here every union is checked first: two components are never joined when any record of one
was kept apart from any record of the other, by a reviewer ("different") or by a hard refusal
(different DOI, year, volume, pages, kind of item). Unions are made strongest first (reviewer
answers, then by score), so when a chain conflicts the weaker link is the one left out.
"""

from __future__ import annotations

from collections.abc import Iterable


class ConstrainedUnionFind:
    """Union-find over positions 0..n-1 that refuses unions across cannot-link pairs."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n
        # root → roots of the components it must never join
        self.apart: dict[int, set[int]] = {}

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def keep_apart(self, a: int, b: int) -> bool:
        """Record that a and b must stay in different works; False if they are already together."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.apart.setdefault(ra, set()).add(rb)
        self.apart.setdefault(rb, set()).add(ra)
        return True

    def can_join(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        return ra == rb or rb not in self.apart.get(ra, ())

    def join(self, a: int, b: int) -> bool:
        """Join the works of a and b unless they were kept apart; True if they are now together."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if rb in self.apart.get(ra, ()):
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        moved = self.apart.pop(rb, set())
        if moved:
            mine = self.apart.setdefault(ra, set())
            for other in moved:
                mine.add(other)
                others = self.apart[other]
                others.discard(rb)
                others.add(ra)
        return True

    def labels(self) -> list[int]:
        """The root of every position."""
        return [self.find(i) for i in range(len(self.parent))]


def cluster(n: int, *, same: Iterable[tuple[int, int]], refused: Iterable[tuple[int, int]] = (),
            reviewer_same: Iterable[tuple[int, int]] = (),
            reviewer_different: Iterable[tuple[int, int]] = ()) -> tuple[list[int], list[bool], list[bool]]:
    """Component label of every position, and whether each reviewer-same / same pair was joined.

    Order: a reviewer's "different" pairs are kept apart first; a reviewer's "same" pairs are
    joined next (they overrule automatic refusals, not a reviewer's "different"); then the hard
    refusals are kept apart, and the automatic `same` pairs (strongest first) joined where allowed.
    """
    uf = ConstrainedUnionFind(n)
    for a, b in reviewer_different:
        uf.keep_apart(a, b)
    forced_ok = [uf.join(a, b) for a, b in reviewer_same]
    for a, b in refused:
        uf.keep_apart(a, b)  # already together (a reviewer said same): the reviewer wins
    same_ok = [uf.join(a, b) for a, b in same]
    return uf.labels(), forced_ok, same_ok
