"""`slr fulltext fetch`: open-access copies of the reports sought for retrieval, kept with a sidecar.

The reports sought are the works screened.csv sends to full text (title/abstract include or
maybe). Works that already have a file in the protocol's `coding.fulltext` folder (matched as
`slr code` matches them) are left alone. For the others, OpenAlex is asked by DOI (50 a request,
through the polite API client: key and contact address go to OpenAlex only) for its open-access
locations. Europe PMC (`resultType=core`, by DOI, no key) adds its open or free PDF links, and
Unpaywall (one DOI a request, with `SLR_MAILTO` as its required contact address and nothing else;
without SLR_MAILTO it is not asked, and the summary says so once) its `oa_locations`. PDF
addresses are tried first (OpenAlex's best first, then Europe PMC's, then Unpaywall's), then the
pages of open locations that name no PDF. Each address is downloaded and checked
(pipeline/sources/fulltext_fetch.py) until one gives the work: a PDF, a PDF named by an HTML page
(`citation_pdf_url`), or an HTML page that is itself the full text. It is kept as
`<work_id>.pdf` or `<work_id>.html` (the bytes received) with `<file>.json` beside it (where from,
through which list and page, when, licence, version, checksum, how it was recognised); a file
already there is never replaced. Every work tried gets a row in data/<id>/fulltext_retrieval.csv:
retrieved, or not retrieved with the reason of each address tried.

The reasons reach PRISMA's "reports not retrieved" through the reviewer: `not_retrieved` gives
`slr screen` the reports to propose as not retrieved in the full-text workbooks (runner/screen.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from ..errors import ConfigError, InputError
from ..records import normalise_doi
from ..sources import europepmc, openalex, unpaywall
from ..sources.connector import Step, load_json
from ..sources.fulltext import match_fulltexts
from ..sources.fulltext_fetch import MAX_BYTES, Candidate, Refused, epmc_candidates, oa_candidates, retrieve
from ..sources.http import RATES, PoliteSession, Redactor, SourceClient, limits_from_env, user_agent
from ..stage_table import SCREENED
from ..stages.screen.flow import PASSES
from ..store import append_ledger, read_csv, sha256_bytes, write_bytes, write_json
from .context import Context

LOG_NAME = "fulltext_retrieval.csv"
COLUMNS = ["work_id", "doi", "status", "reason", "url", "host", "licence", "version", "file", "sha256", "bytes",
           "checked_by", "time"]
BATCH = 50


@dataclass
class FetchSummary:
    sought: int
    already: int
    retrieved: int
    not_retrieved: int
    reasons: dict[str, int]
    log: Path
    #: Said once for the run (e.g. Unpaywall not asked without SLR_MAILTO).
    notes: list[str] = field(default_factory=list)


def run_fulltext_fetch(ctx: Context, *, session: requests.Session | None = None,
                       env: Mapping[str, str] | None = None, max_bytes: int = MAX_BYTES) -> FetchSummary:
    """Fetch what can be fetched; log every work tried (see the module docstring)."""
    env = os.environ if env is None else env
    folder = ctx.protocol.coding.fulltext
    if folder is None:
        raise ConfigError(f"{ctx.protocol.path}: coding.fulltext: not set; full texts are kept in that folder",
                          hint="add `coding: {fulltext: data/<id>/fulltext}` to the protocol and create the folder")
    path = ctx.store.output(SCREENED)
    if not path.exists():
        raise InputError(f"{ctx.store.relative(path)} not found: the reports sought for retrieval come from screening",
                         hint="run `slr screen` first")
    screened = read_csv(path)
    sought = screened[screened["title_abstract_decision"].isin(PASSES)]
    have = set(match_fulltexts(Path(folder), sought[["work_id", "doi", "title"]]).texts)
    todo = sought[~sought["work_id"].isin(have)]
    session = session or requests.Session()
    http = PoliteSession(session=session, **limits_from_env(env))
    dois = [d for d in (normalise_doi(v) for v in todo["doi"]) if d]
    found = _lookup(http, env, dois)
    pmc = _lookup_europepmc(http, env, dois)
    upw = unpaywall.lookup(http, env, dois)
    rows: list[dict[str, Any]] = []
    for work in todo.to_dict("records"):
        row = _fetch_one(ctx, http, work, found, pmc, upw, Path(folder), max_bytes)
        rows.append(row)
        ctx.echo(f"{row['work_id']}: {row['status']}{' — ' + row['reason'] if row['reason'] else ''}")
    log = ctx.store.data_dir / LOG_NAME
    if rows:  # under the log's lock: two fetches at once would otherwise drop each other's rows
        append_ledger(log, COLUMNS, lambda _existing: rows)
    reasons: dict[str, int] = {}
    for row in rows:
        if row["status"] == "not retrieved":
            # The kind of the first reason, without its details and address ("HTTP 403", "not a PDF").
            key = row["reason"].split(";")[0].split(" (")[0].split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1
    retrieved = sum(r["status"] == "retrieved" for r in rows)
    return FetchSummary(len(sought), len(have), retrieved, len(rows) - retrieved, reasons, log,
                        [upw.note] if upw.note else [])


def _lookup(http: PoliteSession, env: Mapping[str, str], dois: list[str]) -> dict[str, dict[str, Any]]:
    """OpenAlex works by DOI (normalised DOI → work JSON), through the polite API client."""
    if not dois:
        return {}
    base = (env.get("SLR_OPENALEX_URL") or openalex.DEFAULT_URL).rstrip("/")
    mailto = env.get("SLR_MAILTO") or None
    params, headers = openalex.auth(env.get(openalex.KEY_ENV) or None, mailto)
    client = SourceClient(http, label="full-text lookup (openalex)", query="open-access locations by DOI",
                          rate=RATES["openalex"],
                          redactor=Redactor.from_env(env), auth_params=params, auth_headers=headers,
                          user_agent=user_agent(mailto), hints=openalex.HINTS)
    works: dict[str, dict[str, Any]] = {}
    for start in range(0, len(dois), BATCH):
        step = Step(f"{base}/works", {"filter": "doi:" + "|".join(dois[start:start + BATCH]), "per_page": 200})
        fetched = client.fetch(step, load_json, f"DOIs {start + 1}-{min(start + BATCH, len(dois))}")
        for item in (fetched.parsed or {}).get("results") or []:
            doi = normalise_doi(item.get("doi")) if isinstance(item, dict) else None
            if doi:
                works[doi] = item
    return works


def _lookup_europepmc(http: PoliteSession, env: Mapping[str, str], dois: list[str]) -> dict[str, list[Candidate]]:
    """Europe PMC's open PDF links by DOI (normalised DOI → candidates); it needs no key."""
    if not dois:
        return {}
    base = (env.get("SLR_EUROPEPMC_URL") or europepmc.DEFAULT_URL).rstrip("/")
    client = SourceClient(http, label="full-text lookup (europepmc)", query="open PDF links by DOI",
                          rate=RATES["europepmc"],
                          redactor=Redactor.from_env(env), user_agent=user_agent(None))
    out: dict[str, list[Candidate]] = {}
    for start in range(0, len(dois), BATCH):
        query = " OR ".join(f'DOI:"{d}"' for d in dois[start:start + BATCH])
        step = Step(f"{base}/search", {"query": query, "resultType": "core", "format": "json", "pageSize": 100})
        fetched = client.fetch(step, load_json, f"DOIs {start + 1}-{min(start + BATCH, len(dois))}")
        for result in ((fetched.parsed or {}).get("resultList") or {}).get("result") or []:
            doi = normalise_doi(result.get("doi")) if isinstance(result, dict) else None
            if doi:
                out.setdefault(doi, []).extend(epmc_candidates(result))
    return out


def _fetch_one(ctx: Context, http: PoliteSession, work: dict[str, Any], found: dict[str, dict[str, Any]],
               pmc: dict[str, list[Candidate]], upw: unpaywall.Answers, folder: Path, max_bytes: int) -> dict[str, Any]:
    doi = normalise_doi(work.get("doi"))
    row: dict[str, Any] = {c: None for c in COLUMNS} | {"work_id": work["work_id"], "doi": doi,
                                                         "time": ctx.clock().isoformat()}
    if not doi:
        return row | {"status": "not retrieved", "reason": "no DOI: OpenAlex cannot be asked for an open-access copy"}
    candidates: list[Candidate] = []
    for candidate in oa_candidates(found.get(doi) or {}) + pmc.get(doi, []) + upw.found.get(doi, []):
        if all(candidate.url != known.url for known in candidates):
            candidates.append(candidate)
    # Every list's PDF addresses before any page: a PDF is the report itself, a page may only lead to it.
    candidates.sort(key=lambda c: c.kind != "pdf")
    if not candidates:
        # Unpaywall is named only where it answered for this DOI (not where it was not asked or refused).
        asked = ["OpenAlex", "Europe PMC"] + (["Unpaywall"] if doi in upw.found or doi in upw.unknown else [])
        named = ", ".join(asked[:-1]) + " or " + asked[-1]
        known = doi in found or doi in pmc or doi in upw.found
        reason = f"no open-access copy known to {named}" if known else f"not in {named.replace(' or ', ' nor ')}"
        if doi in upw.refused:
            reason += f"; {upw.refused[doi]}"
        return row | {"status": "not retrieved", "reason": reason}
    problems, tried = [], set()
    for candidate in candidates:
        if candidate.url in tried:  # named already by a page's citation_pdf_url
            continue
        try:
            kept = retrieve(http.session, candidate, doi, work.get("title"), tried=tried, max_bytes=max_bytes,
                            timeout=http.timeout, deadline=http.deadline)
        except Refused as exc:
            problems.append(f"{exc} ({candidate.url})")
            continue
        target = folder / f"{work['work_id']}{kept.suffix}"
        sidecar = target.with_name(target.name + ".json")
        for path in (target, sidecar):  # a person's file (or an earlier fetch's) is never replaced
            if path.exists():
                return row | {"status": "not retrieved", "reason": f"{path.name} exists already; not replaced"}
        sha = sha256_bytes(kept.body)
        write_bytes(target, kept.body)
        meta = {"work_id": work["work_id"], "doi": doi, "url": kept.url, "host": candidate.host,
                "licence": candidate.licence, "version": candidate.version, "fetched_at": row["time"],
                "sha256": sha, "bytes": len(kept.body), "checked_by": kept.checked_by,
                "found_through": candidate.found_through, "listed_url": candidate.url,
                "format": "HTML" if kept.suffix == ".html" else "PDF"}
        if kept.via:
            meta["citation_pdf_url_of"] = kept.via
        write_json(sidecar, meta)
        return row | {"status": "retrieved", "url": kept.url, "host": candidate.host, "licence": candidate.licence,
                      "version": candidate.version, "file": ctx.store.relative(target), "sha256": sha,
                      "bytes": len(kept.body), "checked_by": kept.checked_by}
    return row | {"status": "not retrieved", "reason": "; ".join(problems)}


def retrieval_log(ctx: Context) -> pd.DataFrame | None:
    """The retrieval log, or None before the first `slr fulltext fetch`."""
    path = ctx.store.data_dir / LOG_NAME
    return read_csv(path) if path.exists() else None


def not_retrieved(ctx: Context, works: pd.DataFrame) -> dict[str, str]:
    """Of `works` (work_id, doi, title), those the latest `slr fulltext fetch` did not retrieve and
    that still have no file in `coding.fulltext` (a person may have added one since): work_id → "on
    <date>: <reason>". What `slr screen` proposes as "not retrieved" in the full-text workbooks."""
    log = retrieval_log(ctx)
    if log is None or log.empty or works.empty:
        return {}
    latest = log.drop_duplicates("work_id", keep="last").set_index("work_id")
    failed = latest[latest["status"] == "not retrieved"]
    candidates = works[works["work_id"].isin(failed.index)]
    if candidates.empty:
        return {}
    folder = ctx.protocol.coding.fulltext
    have = set(match_fulltexts(Path(folder), candidates[["work_id", "doi", "title"]]).texts) \
        if folder is not None and Path(folder).is_dir() else set()
    out = {}
    for work_id in candidates["work_id"]:
        if work_id not in have:
            row = failed.loc[work_id]
            out[str(work_id)] = f"on {str(row['time'] or '')[:10]}: {row['reason'] or 'no reason logged'}"
    return out
