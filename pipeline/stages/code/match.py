"""Finding a code's terms in text: word boundaries, hyphen and plural variants, wildcards, and
rapidfuzz near-matches for multi-word terms (a typo or a changed word ending).

A term such as `micro-credential*` matches "micro-credentials", "micro credential" and
"microcredentials"; `digital badge` also matches "digital badges" and "digital-badge"; a short
all-capitals term (ECTS, EQF, NQF) matches only in capitals, so that "esg" in a word is not ESG.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“‘(•])|\n+|\s*•\s*")
#: A near-match must be at least this similar (rapidfuzz ratio, 0–100) and the term this long.
NEAR_RATIO, NEAR_MIN_LENGTH = 92, 12


def sentences(text: str) -> list[str]:
    """Sentences (and bullet or list lines) of a text, stripped, non-empty."""
    if not isinstance(text, str):
        return []
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def term_pattern(term: str) -> str:
    """The regular expression of one codebook term (see the module docstring)."""
    words = term.strip().split()
    parts = []
    for index, word in enumerate(words):
        wildcard = word.endswith("*")
        core = word.rstrip("*")
        piece = r"[-\s]?".join(re.escape(bit) for bit in core.split("-"))
        if wildcard:
            piece += r"[\w-]*"
        elif index == len(words) - 1 and core[-1:].isalpha():
            piece += r"(?:s|es)?"
        parts.append(piece)
    return r"(?<![\w-])" + r"[\s-]+".join(parts) + r"(?![\w])"


def _acronym(term: str) -> bool:
    core = term.rstrip("*")
    return core.isupper() and len(core) <= 6 and " " not in core


@dataclass
class Matcher:
    """All patterns of one code, compiled once."""

    terms: tuple[str, ...]
    regex: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        plain = [term_pattern(t) for t in self.terms if t.strip() and not _acronym(t)]
        upper = [term_pattern(t) for t in self.terms if t.strip() and _acronym(t)]
        self._patterns = [re.compile("|".join(plain), re.IGNORECASE)] if plain else []
        if upper:
            self._patterns.append(re.compile("|".join(upper)))
        self._patterns += [re.compile(r, re.IGNORECASE) for r in self.regex]
        self._exclude = re.compile("|".join(term_pattern(t) for t in self.exclude), re.IGNORECASE) \
            if self.exclude else None
        self._near = [t.lower() for t in self.terms if " " in t.strip() and "*" not in t and len(t) >= NEAR_MIN_LENGTH]

    def find(self, sentence: str) -> tuple[str, bool] | None:
        """(matched text, exact?) for the first match in a sentence, or None."""
        found = self.locate(sentence)
        return (found[0], found[1]) if found else None

    def locate(self, sentence: str) -> tuple[str, bool, int] | None:
        """(matched text, exact?, where it starts) for the first match in a sentence, or None."""
        if self._exclude is not None and self._exclude.search(sentence):
            return None
        for pattern in self._patterns:
            found = pattern.search(sentence)
            if found:
                return found.group(0), True, found.start()
        if self._near:
            words = sentence.lower().split()
            for term in self._near:
                size = len(term.split())
                for start in range(0, max(len(words) - size + 1, 0)):
                    window = " ".join(words[start:start + size])
                    if abs(len(window) - len(term)) <= 3 and fuzz.ratio(window, term) >= NEAR_RATIO:
                        text = " ".join(sentence.split()[start:start + size])
                        return text, False, max(sentence.find(text), 0)
        return None
