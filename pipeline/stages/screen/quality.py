"""Quality: a rubric that gives each work a level (peer-reviewed, recognised body, …) with evidence.

The levels are tried in the protocol's order and the first whose conditions all hold is the
work's level (`config.QualityLevel`): a document type, a venue, a recognised body. A recognised
body is looked for in the authors, publisher, venue and title (acronyms such as OECD
case-sensitively, names such as "European Commission" in any case), and web-domain entries
(oecd.org) against the URL's host. The level is a proposal: reviewers overrule it in their
workbooks; only levels listed in `quality.exclude` propose an exclusion.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

import ahocorasick_rs

from ...config import QualityConfig
from ...errors import ConfigError, did_you_mean
from ...records import split_list

_NON_WORD = re.compile(r"[^0-9a-z]+")
BODY_FIELDS: tuple[str, ...] = ("authors", "publisher", "venue", "title")


@functools.lru_cache(maxsize=8192)
def type_phrase(value: str) -> str:
    """A document type as compared: lower-case words, punctuation as spaces, plurals singular."""
    words = _NON_WORD.sub(" ", value.lower()).split()
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "is", "us")) else w
                    for w in words)


@functools.lru_cache(maxsize=8192)
def work_types(value: str) -> tuple[tuple[str, str], ...]:
    """The types of a work's doc_type ("Article; Proceedings Paper"): (as written, as compared)."""
    return tuple((item, type_phrase(item)) for item in split_list(value) if type_phrase(item))


@functools.lru_cache(maxsize=16384)
def type_matches(phrases: tuple[str, ...], value: str | None) -> tuple[str, str] | None:
    """(type as written, matching phrase) when one of `phrases` is in the work's type, else None."""
    if not value:
        return None
    for written, compared in work_types(value):
        padded = f" {compared} "
        for phrase in phrases:
            if f" {phrase} " in padded:
                return written, phrase
    return None


def check(config: QualityConfig, where: str = "screening.quality") -> None:
    """Raise ConfigError for duplicate level names or an unknown level in `exclude`."""
    names = [level.name for level in config.levels]
    for index, name in enumerate(names):
        if names.index(name) != index:
            raise ConfigError(f'{where}.levels[{index}].name: "{name}" is used twice', hint="give every level its own name")
    known = [*names, config.unrated]
    for index, name in enumerate(config.exclude):
        if name not in known:
            raise ConfigError(f'{where}.exclude[{index}]: "{name}" is not a level{did_you_mean(name, known)}',
                              hint=f"levels: {', '.join(known)}")


class Rubric:
    """A compiled quality section; `assess` gives (level, evidence) for one work."""

    def __init__(self, config: QualityConfig) -> None:
        self.config = config
        self.levels = [(level, tuple(type_phrase(t) for t in level.doc_types)) for level in config.levels]
        names = [b for b in config.bodies if not _is_domain(b)]
        self.domains = tuple(b.lower() for b in config.bodies if _is_domain(b))
        pieces = [re.escape(b) if b.isupper() else f"(?i:{re.escape(b)})"
                  for b in sorted(names, key=len, reverse=True)]
        self.bodies = re.compile(r"(?<!\w)(?:" + "|".join(pieces) + r")(?!\w)") if pieces else None
        # A first look at ASCII text, far cheaper than the regex trying every position: the regex
        # can only match where a body's name is in the lower-cased text (matching ASCII with ASCII
        # names, case-insensitive is lower-cased). Other text goes straight to the regex.
        self._sieve = (ahocorasick_rs.AhoCorasick([name.lower() for name in names])
                       if names and all(name and name.isascii() for name in names) else None)
        self._search = functools.lru_cache(maxsize=65536)(self._search_text)

    def _search_text(self, text: str) -> str | None:
        if self.bodies is None:
            return None
        if self._sieve is not None and text.isascii() and not self._sieve.find_matches_as_indexes(text.lower()):
            return None
        found = self.bodies.search(text)
        return found.group(0) if found else None

    def body(self, work: Mapping[str, str | None]) -> str | None:
        """Evidence that a recognised body is behind the work, or None."""
        for name in BODY_FIELDS:
            value = work.get(name)
            if isinstance(value, str) and value:
                found = self._search(value)
                if found:
                    where = "title names" if name == "title" else f"{name} '{_short(value)}' names"
                    return f"{where} '{found}'"
        url = work.get("url")
        if self.domains and isinstance(url, str) and url:
            host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower()
            for domain in self.domains:
                if host == domain or host.endswith("." + domain):
                    return f"url domain '{host}'"
        return None

    def assess(self, work: Mapping[str, str | None]) -> tuple[str, str]:
        """The work's level and the evidence that gave it."""
        doc_type = work.get("doc_type") if isinstance(work.get("doc_type"), str) else None
        venue = work.get("venue") if isinstance(work.get("venue"), str) else None
        body: str | None | bool = False  # False = not looked for yet
        for level, phrases in self.levels:
            parts = []
            if phrases:
                matched = type_matches(phrases, doc_type)
                if not matched:
                    continue
                parts.append(f"type '{matched[0]}'")
            if level.venue:
                if not venue:
                    continue
                parts.append(f"in '{_short(venue)}'")
            if level.body:
                if body is False:
                    body = self.body(work)
                if not body:
                    continue
                parts.append(str(body))
            return level.name, f"{level.name}: {', '.join(parts) or 'catch-all level'}"
        known = f"type '{doc_type}'" if doc_type else "no document type"
        return self.config.unrated, f"{self.config.unrated}: no rubric level fits ({known}" + (
            f", venue '{_short(venue)}')" if venue else ", no venue)")


def _is_domain(entry: str) -> bool:
    return "." in entry and " " not in entry


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
