"""Kept raw pages: every API response of every run, gzipped, under data/<id>/raw/<source>/<run>/.

A run folder holds `page-0001.json.gz`, `page-0002.json.gz`, … (each: the request as sent minus
secrets, the status, the response headers, the time and the body) and `state.json`: which query
it ran, how far it got, the next request, and whether it finished. A search interrupted at page 37
has pages 1-36 and a state whose next request is page 37, so the next `slr search` resumes there;
`slr search --offline` rebuilds records from the latest finished run without any network. Recorded
pages copied into a run folder without a state file are read as a finished run.

A page file is one gzip member: a line of JSON (`{"page_format": 2, "request": …, "status": …,
"headers": …, "fetched_at": …}`), a newline, then the response body exactly as received (`zcat`
shows both). Pages kept before format 2 are one JSON document with the body as a JSON string
(`{"request": …, "body": "…"}`); they are still read, but reading them decodes every body twice.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SourceError
from ..store import make_dirs, write_bytes, write_json
from .connector import Step
from .http import Fetched

STATE_FILE = "state.json"
PAGE_GLOB = "page-*.json.gz"
#: The page file format written now (see the module's docstring); format 1 pages have no header line.
PAGE_FORMAT = 2
_HEADER_START = b'{"page_format": '
_UNREADABLE = (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError, AttributeError)


def page_name(number: int) -> str:
    return f"page-{number:04d}.json.gz"


def signature(source_type: str, query: str, filters: Mapping[str, Any]) -> str:
    """What makes two runs the same search: the database, the query and the filters."""
    key = json.dumps({"type": source_type, "query": query or "", "filters": dict(filters or {})}, sort_keys=True, default=str)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass
class KeptPage:
    """One kept response, as read back."""

    number: int
    step: Step
    url: str
    status: int
    headers: dict[str, str]
    fetched_at: str
    body: str


def encode_page(fetched: Fetched, step: Step) -> bytes:
    """A page file's bytes (gzip with a fixed mtime, so the same response gives the same file)."""
    header = {"page_format": PAGE_FORMAT, "request": {**step.to_json(), "sent": fetched.url},
              "status": fetched.status, "headers": fetched.headers, "fetched_at": fetched.fetched_at}
    # json.dumps escapes every newline inside strings, so the header is exactly one line.
    data = json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n" + fetched.body.encode("utf-8")
    return gzip.compress(data, compresslevel=6, mtime=0)


def decode_page(path: Path, number: int) -> KeptPage:
    """A kept page, of either format."""
    try:
        data = gzip.decompress(path.read_bytes())
        head, newline, rest = data.partition(b"\n")
        if newline and head.startswith(_HEADER_START):
            page = json.loads(head)
            if page["page_format"] != PAGE_FORMAT:
                raise SourceError(f"kept page {path} has page format {page['page_format']}, which this version "
                                  f"of slr cannot read (it reads formats 1 and {PAGE_FORMAT})",
                                  hint="upgrade slr to the version that kept these pages")
            body = rest.decode("utf-8")
        else:  # format 1: the body is a string inside the page's JSON
            page = json.loads(data)
            body = page["body"]
            if not isinstance(body, str):
                raise TypeError(f"body is {type(body).__name__}, not text")
        request = page["request"]
        return KeptPage(number=number, step=Step.from_json(request), url=request.get("sent", request["url"]),
                        status=int(page.get("status", 200)), headers=page.get("headers") or {},
                        fetched_at=page.get("fetched_at") or "", body=body)
    except _UNREADABLE as exc:
        raise SourceError(f"kept page {path} cannot be read ({type(exc).__name__}: {exc})",
                          hint="delete that run folder and run `slr search` online again") from None


class RawRun:
    """One run folder: its pages and its state."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @property
    def run_id(self) -> str:
        return self.folder.name

    @property
    def state_path(self) -> Path:
        return self.folder / STATE_FILE

    def load(self) -> dict[str, Any] | None:
        if not self.state_path.exists():
            return None
        try:
            return json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SourceError(f"{self.state_path} cannot be read ({exc})",
                              hint="delete that run folder and run `slr search` online again") from None

    def save(self, state: Mapping[str, Any]) -> None:
        write_json(self.state_path, dict(state))

    def write_page(self, number: int, fetched: Fetched, step: Step) -> None:
        write_bytes(self.folder / page_name(number), encode_page(fetched, step))

    def page_numbers(self) -> list[int]:
        numbers = []
        for path in self.folder.glob(PAGE_GLOB):
            try:
                numbers.append(int(path.name[len("page-"):-len(".json.gz")]))
            except ValueError:
                continue
        return sorted(numbers)

    def pages(self, upto: int | None = None) -> Iterator[KeptPage]:
        """The kept pages in order; with `upto`, only those the state counts (a page written just
        before an interruption, but not yet counted, is fetched again on resume)."""
        for number in self.page_numbers():
            if upto is not None and number > upto:
                break
            yield decode_page(self.folder / page_name(number), number)

    def is_finished(self) -> bool:
        state = self.load()
        return bool(state.get("complete")) if state is not None else bool(self.page_numbers())


def runs(raw_dir: Path) -> list[RawRun]:
    """Run folders of one source, oldest first (run ids sort by time)."""
    if not Path(raw_dir).is_dir():
        return []
    return [RawRun(p) for p in sorted(Path(raw_dir).iterdir()) if p.is_dir() and not p.name.startswith(".")]


def new_run(raw_dir: Path, run_id: str) -> RawRun:
    """A fresh run folder named after the run id (with -2, -3 … if that name is taken)."""
    folder = Path(raw_dir) / run_id
    count = 1
    while folder.exists():
        count += 1
        folder = Path(raw_dir) / f"{run_id}-{count}"
    make_dirs(folder)
    return RawRun(folder)


def resumable(raw_dir: Path, sig: str) -> RawRun | None:
    """The latest run if it was interrupted while running this same search; else None."""
    found = runs(raw_dir)
    if not found:
        return None
    state = found[-1].load()
    if state and not state.get("complete") and not state.get("abandoned") and state.get("signature") == sig \
            and state.get("next"):
        return found[-1]
    return None


def run_to_rebuild(raw_dir: Path, sig: str, name: str) -> RawRun:
    """The latest finished run of this search, for an offline rebuild; a clear error if none."""
    found = runs(raw_dir)
    with_pages = [run for run in found if run.page_numbers()]
    if not with_pages:
        raise SourceError(f"{name}: no kept pages to rebuild from in {raw_dir}",
                          hint="run `slr search` online once (without --offline), or copy recorded pages "
                               f"(page-0001.json.gz, …) into {Path(raw_dir) / '<run>'}/")
    other_query = None
    for run in reversed(with_pages):
        state = run.load()
        if state is not None and state.get("signature") not in (None, sig):
            other_query = other_query or (run, state)
            continue
        if state is None or state.get("complete"):
            return run
    if other_query is not None:
        run, state = other_query
        raise SourceError(f"{name}: the kept pages in {run.folder} were searched with another query or filters "
                          f"({state.get('query_sent')})",
                          hint="run `slr search` online to search with the protocol's query, or restore the query "
                               "the pages were searched with")
    latest = with_pages[-1]
    raise SourceError(f"{name}: only an interrupted search is kept ({latest.folder}, "
                      f"{len(latest.page_numbers())} pages); an offline rebuild would be incomplete",
                      hint="run `slr search` online to finish it: it resumes where it stopped")
