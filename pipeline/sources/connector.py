"""What every API connector shares: one request step, one parsed page, and field helpers.

A connector module (openalex.py, crossref.py, …) is a handful of module-level names:

- `TYPE`, `DEFAULT_URL`, `RATE` (requests per second), `KEY_ENV` (env var of its key, or None);
- `first(source, base_url) -> Step`: the first request (paging state lives in `Step.params`);
- `parse(body, step, source) -> Page`: records of one response and the next step (None = done);
- `auth(key, mailto) -> (params, headers)`: the secrets added when sending, never stored;
- optionally `rate(mailto)`, `expired(status, detail)` (a paging cursor that expired), `HINTS`, and
  `hosts(source, env)`: the other databases a connector's chain asks, with their own secrets and rates
  (http.HostAuth; the source's own secrets go to its base URL's origin only).

Paging state is plain request parameters without secrets, so a run's state file can say exactly
which request comes next, and an interrupted search resumes there. `parse` raises `BadPage` for a
body that cannot be read (truncated JSON, an empty page mid-way): the HTTP layer retries those.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .tagged import join_pages

__all__ = ["BadPage", "Page", "QueryRejected", "Step", "family_given", "first_of", "join_pages", "load_json",
           "names_list", "native_value", "offset_next",
           "year_filters"]


class BadPage(ValueError):
    """A response body that cannot be read as a page (truncated, empty mid-way): worth retrying."""


class QueryRejected(ValueError):
    """A successful response that says the query is wrong (arXiv's error entry): not worth retrying."""


@dataclass
class Step:
    """One request: where to send it, its parameters (no secrets), and the connector's notes."""

    url: str
    params: dict[str, Any] = field(default_factory=dict)
    #: Connector state that is not a request parameter (e.g. DOAJ's year split), kept with the page.
    note: dict[str, Any] = field(default_factory=dict)
    method: str = "GET"
    #: A JSON request body (Semantic Scholar's batch lookup is a POST), without secrets.
    body: Any = None

    def to_json(self) -> dict[str, Any]:
        data = {"url": self.url, "params": self.params, "note": self.note, "method": self.method}
        return {**data, "body": self.body} if self.body is not None else data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Step":
        return cls(url=data["url"], params=dict(data.get("params") or {}), note=dict(data.get("note") or {}),
                   method=data.get("method", "GET"), body=data.get("body"))


@dataclass
class Page:
    """One parsed response: raw record dicts, the database's reported total, and what comes next."""

    records: list[dict[str, Any]]
    total: int | None
    next: Step | None
    #: Items the response held (before dropping error entries and nulls), for the log.
    items: int = 0
    #: Things the search log should say about this page (e.g. a year slice over the API's cap).
    notes: list[str] = field(default_factory=list)


def load_json(body: str) -> Any:
    """A JSON body; a truncated or garbled one is a `BadPage` (the HTTP layer retries it)."""
    try:
        return json.loads(body)
    except ValueError as exc:
        raise BadPage(f"not valid JSON: {exc}") from None


def offset_next(step: Step, key: str, start: int, count: int, total: int | None, cap: int | None = None) -> Step | None:
    """The next offset-paged request, or None at the end; an empty page before the end is a BadPage."""
    end = total if cap is None or total is None else min(total, cap)
    if total is not None and count == 0 and start < end:
        raise BadPage(f"empty page at {key}={start} of {total} results")
    if count == 0 or (end is not None and start + count >= end):
        return None
    return Step(step.url, {**step.params, key: start + count}, dict(step.note), step.method)


_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "da", "das", "dos", "du", "di", "le", "la",
              "ter", "ten", "bin", "al", "el", "st", "st.", "mac", "vander"}
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_SPACES = re.compile(r"\s+")


def family_given(name: Any) -> str | None:
    """A display name as "Family, Given": "Heather Piwowar" → "Piwowar, Heather".

    Names that already have a comma are kept; lower-case particles stay with the family name
    ("Ludwig van Beethoven" → "van Beethoven, Ludwig"); a one-word name (an organisation or a
    mononym) is kept as it is.
    """
    if name is None:
        return None
    text = _SPACES.sub(" ", str(name)).strip().strip(",")
    if not text or "," in text:
        return text or None
    parts = text.split(" ")
    suffix = ""
    if len(parts) > 2 and parts[-1].lower() in _SUFFIXES:
        suffix = " " + parts.pop()
    if len(parts) == 1:
        return parts[0] + suffix
    start = len(parts) - 1
    while start > 1 and parts[start - 1].lower() in _PARTICLES and parts[start - 1][:1].islower():
        start -= 1
    return f"{' '.join(parts[start:])}{suffix}, {' '.join(parts[:start])}"


def names_list(values: Iterable[Any]) -> list[str]:
    """Display names → "Family, Given" names, empties dropped."""
    return [n for n in (family_given(v) for v in values) if n]


def first_of(*values: Any) -> Any:
    """The first value that is not None or empty."""
    for value in values:
        if value not in (None, "", [], {}):
            return value
    return None


def year_filters(filters: Mapping[str, Any]) -> tuple[int | None, int | None, dict[str, Any]]:
    """Split the protocol's generic `from_year`/`to_year` from the connector's native filters."""
    rest = dict(filters or {})
    low, high = rest.pop("from_year", None), rest.pop("to_year", None)
    return (int(low) if low is not None else None), (int(high) if high is not None else None), rest


def native_value(value: Any, joiner: str = "|") -> str:
    """A filter value as text: lists joined the way the API writes alternatives, booleans lower-case."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return joiner.join(native_value(v, joiner) for v in value)
    return str(value)
