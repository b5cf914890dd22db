"""The API connectors slr searches with: one module per database, in one typed table.

A connector is a module that satisfies `Connector` (what pipeline/sources/connector.py describes
in prose): `first` makes the first request, `parse` reads one response into records and the next
request, `auth` adds the secrets when sending. It may also define `rate(mailto)` (requests per
second, when the polite pool depends on a contact address) and `expired(status, detail)` (a paging
cursor that expired), which the API runner looks up with `getattr`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from . import arxiv, citations, core, crossref, doaj, eric, europepmc, openalex, semantic_scholar

if TYPE_CHECKING:
    from ..config import ApiSource
    from .connector import Page, Step


class Connector(Protocol):
    """What every API connector module provides."""

    TYPE: str
    DEFAULT_URL: str
    #: The environment variable holding the API key, or None for an API without keys.
    KEY_ENV: str | None
    #: HTTP status → what to do, added to the error a rejected request raises.
    HINTS: dict[int, str]

    def auth(self, key: str | None, mailto: str | None) -> tuple[dict[str, str], dict[str, str]]: ...

    def first(self, source: ApiSource, base: str) -> Step: ...

    def parse(self, body: str, step: Step, source: ApiSource) -> Page: ...


#: API type (the protocol's `type:`) → its connector.
CONNECTORS: dict[str, Connector] = {
    "openalex": openalex,
    "crossref": crossref,
    "eric": eric,
    "semantic_scholar": semantic_scholar,
    "arxiv": arxiv,
    "europepmc": europepmc,
    "doaj": doaj,
    "core": core,
    #: Citation searching (`slr snowball`, pipeline/runner/snowball.py) through OpenAlex.
    "citations": citations,
}
