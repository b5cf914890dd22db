"""Run one API source: page through its database politely, keep every page, or rebuild offline.

`run_api_source` is what `slr search` calls for each API source. Online, it resumes the latest run
of the same search if that was interrupted, else starts a new run folder; each page is parsed,
kept (pages are written before the run state that counts them), and the state saved, so a crash
or a failure at any point loses nothing. Offline, it reads the latest finished run's pages with
the very same parser, so the records are identical to the online run's.

Records are raw field dicts (keys of `records.BIB_FIELDS`, `_id` the API's own id) plus per-page
provenance (`_retrieved_at`, `_run_id`); the log has the search-log fields for PRISMA-S.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import requests

from ..config import API_TYPES, ApiSource
from ..errors import SourceError
from .connector import BadPage, QueryRejected, Step
from .connectors import CONNECTORS, Connector
from .http import RATES, PoliteSession, limits_from_env, Redactor, RequestRejected, SourceClient, user_agent
from .raw import KeptPage, RawRun, new_run, resumable, run_to_rebuild, signature

Progress = Callable[[int, "int | None"], None]

#: How often one run may start over because the database's paging cursor expired.
MAX_RESTARTS = 2


@dataclass
class ApiRun:
    """Raw records of one source run and its search-log fields."""

    records: list[dict[str, Any]]
    log: dict[str, Any]


def connector(source_type: str) -> Connector:
    """The connector of an API type (pipeline/sources/connectors.py)."""
    if source_type not in CONNECTORS:
        raise SourceError(f'unknown API type "{source_type}"', hint=f"one of: {', '.join(API_TYPES)}")
    return CONNECTORS[source_type]


def base_url(source: ApiSource, module: Connector, env: Mapping[str, str]) -> str:
    """`base_url:` in the protocol, else SLR_<TYPE>_URL, else the API's public address."""
    url = source.base_url or env.get(f"SLR_{source.type.upper()}_URL") or module.DEFAULT_URL
    return url.rstrip("/")


def run_api_source(source: ApiSource, raw_dir: Path, *, run_id: str, offline: bool = False,
                   progress: Progress | None = None, session: PoliteSession | requests.Session | None = None,
                   env: Mapping[str, str] | None = None) -> ApiRun:
    """Search one API source (or rebuild it from kept pages when `offline`)."""
    env = os.environ if env is None else env
    module = connector(source.type)
    progress = progress or (lambda done, total=None: None)
    sig = signature(source.type, source.query, source.filters)
    if offline:
        return _rebuild(source, module, run_to_rebuild(raw_dir, sig, source.name), progress)
    http = session if isinstance(session, PoliteSession) else \
        PoliteSession(session=session or requests.Session(), **limits_from_env(env))
    return _Search(source, module, Path(raw_dir), run_id, sig, http, env, progress).run()


@contextlib.contextmanager
def _no_gc_pauses() -> Iterator[None]:
    """The cyclic garbage collector off while kept pages become records, on again afterwards.

    Parsed pages and raw records hold no reference cycles, but with 100,000 records alive every
    full collection walks all of them: about a fifth of an offline rebuild's time.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _rebuild(source: ApiSource, module: Connector, run: RawRun, progress: Progress) -> ApiRun:
    with _no_gc_pauses():
        return _rebuild_pages(source, module, run, progress)


def _rebuild_pages(source: ApiSource, module: Connector, run: RawRun, progress: Progress) -> ApiRun:
    state = run.load() or {}
    records: list[dict[str, Any]] = []
    total = state.get("reported_total")
    pages = 0
    first = None  # page 1, for the log: kept without its body, so it is not read twice
    for kept in run.pages(upto=state.get("pages")):
        if first is None and kept.number <= 1:
            first = KeptPage(kept.number, kept.step, kept.url, kept.status, kept.headers, kept.fetched_at, "")
        page = _parse(module, kept.body, kept.step, source)
        total = page.total if page.total is not None else total
        records.extend(_tag(page.records, kept.fetched_at, state.get("run_id") or run.run_id))
        pages += 1
        if source.max_records and len(records) >= source.max_records:
            break
    records = records[: source.max_records] if source.max_records else records
    progress(len(records), total)
    if first is None:
        first = next(run.pages(upto=1), None)
    log = {
        "query_sent": state.get("query_sent") or (unquote_plus(first.url) if first else source.query),
        "started_at": state.get("started_at") or (first.fetched_at if first else None),
        "run_id": state.get("run_id") or run.run_id, "reported_total": total, "retrieved": len(records),
        "pages": pages, "retries": state.get("retries", 0), "errors": state.get("errors") or None,
        "complete": state.get("complete", True), "raw_folder": str(run.folder), "offline": True,
    }
    return ApiRun(records, log)


def _parse(module: Connector, body: str, step: Step, source: ApiSource) -> Any:
    """The connector's page, or a SourceError naming the source and the request when the response
    has a shape the connector does not expect (`"results": [1]`, a string where an object belongs):
    a parser's KeyError or TypeError is the database's surprise, not a bug to report."""
    try:
        return module.parse(body, step, source)
    except (BadPage, QueryRejected, SourceError):
        raise
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        request = requests.Request("GET", step.url, params=step.params).prepare().url or step.url
        raise SourceError(f"{source.name}: the {source.type} response to {request} does not have the shape slr "
                          f"expects ({type(exc).__name__}: {str(exc)[:200]})",
                          hint="the database may have changed its API, or base_url points at another service; "
                               "check base_url (or SLR_<TYPE>_URL) and report it if the address is right") from None


def _tag(records: list[dict[str, Any]], fetched_at: str, run_id: str) -> list[dict[str, Any]]:
    for record in records:
        record["_retrieved_at"] = fetched_at
        record["_run_id"] = run_id
    return records


class _Search:
    """One online run of one source: resume or start, page to the end, keep everything."""

    def __init__(self, source: ApiSource, module: Connector, raw_dir: Path, run_id: str, sig: str,
                 http: PoliteSession, env: Mapping[str, str], progress: Progress) -> None:
        self.source, self.module, self.raw_dir, self.run_id, self.sig = source, module, raw_dir, run_id, sig
        self.progress = progress
        self.base = base_url(source, module, env)
        key = env.get(module.KEY_ENV) if getattr(module, "KEY_ENV", None) else None
        mailto = env.get("SLR_MAILTO") or None
        params, headers = module.auth(key or None, mailto)
        rate = module.rate(mailto) if hasattr(module, "rate") else RATES[source.type]
        # The source's secrets go to its base URL's origin only. A connector that also asks other
        # databases (citation searching) names their own secrets and rates.
        others = module.hosts(source, env) if hasattr(module, "hosts") else {}
        self.client = SourceClient(http, label=f"{source.name} ({source.type})", query=source.query or "(no query)",
                                   rate=rate, redactor=Redactor.from_env(env), auth_params=params,
                                   auth_headers=headers, user_agent=user_agent(mailto),
                                   hints=_hints(module, key is not None),
                                   auth_origin=self.base, hosts=others)
        self.notes: list[str] = []

    def run(self) -> ApiRun:
        run = resumable(self.raw_dir, self.sig)
        if run is not None:
            state = run.load() or {}
            records = self._kept_records(run, state)
            step = Step.from_json(state["next"])
            self.notes = [state["errors"]] if state.get("errors") else []
            self.notes.append(f"resumed at page {state.get('pages', 0) + 1}")
        else:
            run, state, records, step = self._start()
        restarts = 0
        while True:
            try:
                return self._page_on(run, state, records, step)
            except RequestRejected as exc:
                pages = state.get("pages", 0)
                if not (pages and getattr(self.module, "expired", None) and self.module.expired(exc.status, exc.detail)):
                    raise
                if restarts >= MAX_RESTARTS:
                    raise SourceError(f"{exc.message} — the paging cursor expired {restarts + 1} times",
                                      hint="run `slr search` again later; if it keeps happening, narrow the query "
                                           "so the search needs fewer pages") from None
                restarts += 1
                # A cursor cannot be renewed: start the search again in a new run, keeping the old pages.
                self._save(run, state, records, step, abandoned=True)
                note = f"paging cursor expired at page {pages + 1} of run {run.run_id}; searched again from page 1"
                run, state, records, step = self._start()
                self.notes.append(note)

    def _start(self) -> tuple[RawRun, dict[str, Any], list[dict[str, Any]], Step]:
        run = new_run(self.raw_dir, self.run_id)
        step = self.module.first(self.source, self.base)
        now = self.client.http.now().isoformat()
        state = {"source": self.source.name, "type": self.source.type, "signature": self.sig,
                 "query": self.source.query, "filters": dict(self.source.filters),
                 "query_sent": unquote_plus(self.client.sent_url(step)), "run_id": run.run_id, "started_at": now,
                 "pages": 0, "retrieved": 0, "reported_total": None, "retries": 0, "complete": False}
        return run, state, [], step

    def _kept_records(self, run: RawRun, state: dict[str, Any]) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        for kept in run.pages(upto=state.get("pages", 0)):
            page = _parse(self.module, kept.body, kept.step, self.source)
            records.extend(_tag(page.records, kept.fetched_at, state["run_id"]))
        return records

    def _page_on(self, run: RawRun, state: dict[str, Any], records: list[dict[str, Any]], step: Step | None) -> ApiRun:
        limit = self.source.max_records
        while step is not None and not (limit and len(records) >= limit):
            number = state["pages"] + 1
            where = f"page {number}, {self.client.sent_url(step)}"
            try:
                fetched = self.client.fetch(step, lambda body, s=step: _parse(self.module, body, s, self.source), where)
            except QueryRejected as exc:
                self._save(run, state, records, step)
                raise SourceError(f"{self.client.label}: the database rejected the query: {exc} ({where})",
                                  hint="check the query syntax for this database") from None
            except SourceError:
                self._save(run, state, records, step)
                raise
            page = fetched.parsed
            self.notes += [note for note in page.notes if note not in self.notes]
            run.write_page(number, fetched, step)
            records.extend(_tag(page.records, fetched.fetched_at, state["run_id"]))
            state["pages"] = number
            if page.total is not None:
                state["reported_total"] = page.total
            step = page.next
            self._save(run, state, records, step)
            self.progress(len(records), state.get("reported_total"))
        if limit:
            del records[limit:]
        state["complete"] = True
        self._save(run, state, records, None)
        return ApiRun(records, self._log(run, state, records))

    def _save(self, run: RawRun, state: dict[str, Any], records: list[dict[str, Any]], step: Step | None,
              abandoned: bool = False) -> None:
        state.update(retrieved=len(records), retries=state.get("retries", 0) + self.client.retries,
                     errors=self._errors(), next=step.to_json() if step else None, notes=self.notes,
                     updated_at=self.client.http.now().isoformat())
        self.client.retries = 0
        if abandoned:
            state["abandoned"] = True
        run.save(state)

    def _errors(self) -> str | None:
        counts = collections.Counter(self.client.problems)
        parts = [f"{problem} ×{n}" if n > 1 else problem for problem, n in counts.items()] + self.notes
        return "; ".join(parts) or None

    def _log(self, run: RawRun, state: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
        return {"query_sent": state["query_sent"], "started_at": state["started_at"], "run_id": state["run_id"],
                "reported_total": state.get("reported_total"), "retrieved": len(records), "pages": state["pages"],
                "retries": state.get("retries", 0), "errors": state.get("errors"), "complete": True,
                "raw_folder": str(run.folder), "offline": False}


def _hints(module: Connector, has_key: bool) -> dict[int, str]:
    """Per-status fixes: a refused key names its environment variable."""
    hints = dict(getattr(module, "HINTS", {}))
    env = getattr(module, "KEY_ENV", None)
    if env:
        fix = (f"{env} is set but the API refused it: set {env} to a valid key, or unset it to search without one"
               if has_key else f"set {env} to your API key (read from the environment only, never from the protocol)")
        hints.setdefault(401, fix)
        hints.setdefault(403, fix)
    return hints
