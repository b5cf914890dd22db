"""Citation searching: the works the seeds cite (backward) and the works citing them (forward).

PRISMA 2020 and PRISMA-S count "citation searching" as an other method. `slr snowball` runs one
iteration as an API source of `type: citations` (so it pages, retries, keeps every page and
resumes exactly like every other API source, pipeline/sources/api.py), with the iteration's seeds
in `filters.seeds` (OpenAlex ids `W…` or DOIs), `filters.direction` (backward, forward, both) and,
from the runner, `filters.fallback` (the Semantic Scholar and Crossref addresses to ask for seeds
OpenAlex lacks; no fallback without it).

The requests, chained through `Step.note` (plain JSON, so the run state says which comes next):

1. the seeds themselves, `filter=openalex:W1|W2…` or `filter=doi:…`, 50 a request, for their
   `referenced_works` and, for DOI seeds, the OpenAlex id forward searching needs (these pages
   give no records; forward-only searches look up DOI seeds only);
2. backward: the referenced works, `filter=openalex:…` (or `doi:` for references found through
   Crossref), 50 a request;
3. forward: `filter=cites:W1|W2…`, 50 seeds a request, cursor-paged;
4. seeds OpenAlex lacks (DOIs): Semantic Scholar's batch lookup (`POST /paper/batch`, 25 ids a
   request), whose `references` and `citations` become records directly (Semantic Scholar papers);
5. seeds Semantic Scholar lacks too, backward only: Crossref `/works?filter=doi:A,doi:B`, whose
   deposited `reference` DOIs are looked up in OpenAlex (step 2); references without a DOI are
   counted, not chased (Crossref has no citing works to offer);
6. referenced DOIs OpenAlex lacks: their Crossref records (`/works?filter=doi:…`).

Every lookup that misses says so in the log: how many, and the first ten keys. Records are
OpenAlex works (openalex.work), Semantic Scholar papers (semantic_scholar.paper) or Crossref works
(crossref.work) with `_direction` (backward / forward) and `_found_in` kept beside. Only this
module knows the chain; `slr search` rebuilds the records from the kept pages offline. The secrets
of each database go to that database only (http.SourceClient's `auth_origin` and `hosts`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..config import ApiSource
from . import crossref, semantic_scholar
from .connector import BadPage, Page, Step, load_json
from .http import RATES, HostAuth, user_agent
from .openalex import DEFAULT_URL, HINTS, KEY_ENV, auth, work  # noqa: F401  (the connector's names)

TYPE = "citations"
#: Ids (or DOIs) per `filter=` request: OpenAlex accepts up to 100 alternatives joined by `|`.
BATCH = 50
PER_PAGE = 200
#: Ids per Semantic Scholar batch request. The API takes 500, but each paper brings its references
#: and citing papers (up to thousands, with abstracts), so a request of 500 could pass the HTTP
#: layer's 64 MB cap on a response; 25 keeps a request to a few MB for usual papers.
S2_BATCH = 25
DIRECTIONS = ("backward", "forward", "both")
#: The paper fields asked of Semantic Scholar for each reference and citing paper.
S2_PAPER = ("paperId", "title", "abstract", "authors", "year", "externalIds", "venue", "journal",
            "publicationTypes", "publicationDate", "url")
_WORK_ID = re.compile(r"^(?:https?://openalex\.org/)?(W\d+)$", re.I)
_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)?(10\.\d{4,9}/\S+)$", re.I)

__all__ = ["TYPE", "DEFAULT_URL", "KEY_ENV", "HINTS", "BATCH", "DIRECTIONS", "auth", "first", "hosts", "parse",
           "seed_key", "work_id"]


def work_id(value: Any) -> str | None:
    """`W123` from an OpenAlex id or URL, else None."""
    match = _WORK_ID.match(str(value or "").strip())
    return match.group(1).upper() if match else None


def seed_key(value: Any) -> str | None:
    """A seed as OpenAlex can look it up: `W123`, or a DOI in lower case; None if it is neither."""
    text = str(value or "").strip()
    if wid := work_id(text):
        return wid
    match = _DOI.match(text)
    return match.group(1).lower() if match else None


def hosts(source: ApiSource, env: Mapping[str, str]) -> dict[str, HostAuth]:
    """The fallback databases' own secrets and rates (the OpenAlex key never goes to them)."""
    fallback = source.filters.get("fallback") or {}
    mailto = env.get("SLR_MAILTO") or None
    out: dict[str, HostAuth] = {}
    if fallback.get("semantic_scholar"):
        key = env.get(semantic_scholar.KEY_ENV) or None
        params, headers = semantic_scholar.auth(key, mailto)
        out[fallback["semantic_scholar"]] = HostAuth(params, headers, user_agent(None), RATES["semantic_scholar"])
    if fallback.get("crossref"):
        params, headers = crossref.auth(None, mailto)
        out[fallback["crossref"]] = HostAuth(params, headers, user_agent(mailto), crossref.rate(mailto))
    return out


def _batches(items: list[str], size: int = BATCH) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _lookup(note: dict[str, Any], role: str, keys: list[str]) -> Step:
    """One request of the chain: a lookup in OpenAlex, Semantic Scholar or Crossref."""
    note = {**note, "role": role, "asked": keys, "seen": []}
    if role == "s2":
        fields = ["externalIds"]
        for part in _wanted(note["direction"]):
            fields += [f"{part}.{name}" for name in S2_PAPER]
        return Step(f"{note['fallback']['semantic_scholar'].rstrip('/')}/paper/batch", {"fields": ",".join(fields)},
                    note, "POST", {"ids": [f"DOI:{k}" for k in keys]})
    if role in ("crossref", "crossref_works"):
        params: dict[str, Any] = {"filter": ",".join(f"doi:{k}" for k in keys), "rows": len(keys)}
        if role == "crossref":
            params["select"] = "DOI,reference"
        return Step(f"{note['fallback']['crossref'].rstrip('/')}/works", params, note)
    if role == "forward":
        filt = f"cites:{'|'.join(keys)}"
    elif all(work_id(k) for k in keys):
        filt = f"openalex:{'|'.join(keys)}"
    else:  # OpenAlex ANDs comma-separated filters, so DOIs and ids go in separate requests
        filt = f"doi:{'|'.join(keys)}"
    return Step(f"{note['openalex']}/works", {"filter": filt, "per_page": PER_PAGE, "cursor": "*"}, note)


def _wanted(direction: str) -> list[str]:
    """Semantic Scholar's names of what a direction asks for."""
    return {"backward": ["references"], "forward": ["citations"]}.get(direction, ["references", "citations"])


def first(source: ApiSource, base: str) -> Step:
    """The first request of one iteration (see the module docstring for the chain)."""
    seeds = [k for k in (seed_key(s) for s in source.filters.get("seeds") or ()) if k]
    direction = source.filters.get("direction", "both")
    fallback = {k: v for k, v in (source.filters.get("fallback") or {}).items() if v}
    if not seeds:
        raise ValueError("a citations search needs at least one seed (an OpenAlex id or a DOI)")
    ids, dois = [s for s in seeds if work_id(s)], [s for s in seeds if not work_id(s)]
    queue: list[list[Any]] = []
    if direction in ("backward", "both"):
        queue += [["seeds", batch] for batch in _batches(ids) + _batches(dois)]
    else:  # forward only: DOI seeds are looked up for the OpenAlex id `cites:` needs
        queue += [["seeds", batch] for batch in _batches(dois)]
    if direction in ("forward", "both"):
        queue += [["forward", batch] for batch in _batches(ids)]
    role, keys = queue.pop(0)
    note = {"queue": queue, "direction": direction, "all_seeds": seeds, "refs": [], "forward_ids": [],
            "lacking": [], "openalex": base, "fallback": fallback}
    return _lookup(note, role, keys)


def parse(body: str, step: Step, source: ApiSource) -> Page:
    """One response: its records (none for seed lookups) and the next request of the chain."""
    note = dict(step.note)
    role = note.get("role", "forward")
    if role == "s2":
        return _parse_s2(body, step, note)
    if role in ("crossref", "crossref_works"):
        return _parse_crossref(body, step, note, role)
    data = load_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise BadPage("no results list in the response")
    results = [item for item in data["results"] if isinstance(item, dict)]
    meta = data.get("meta") or {}
    notes: list[str] = []
    returned = {work_id(item.get("id")) for item in results} | {seed_key(item.get("doi")) for item in results}
    returned.discard(None)
    records: list[dict[str, Any]] = []
    if role == "seeds":
        asked, all_seeds = set(note.get("asked") or []), set(note.get("all_seeds") or [])
        refs, ahead = list(note.get("refs") or []), list(note.get("forward_ids") or [])
        for item in results:
            refs += [w for w in (work_id(r) for r in item.get("referenced_works") or ()) if w and w not in refs]
            wid = work_id(item.get("id"))
            if wid and wid not in all_seeds and seed_key(item.get("doi")) in asked and wid not in ahead:
                ahead.append(wid)  # a DOI seed's OpenAlex id, for forward searching
        note.update(refs=refs, forward_ids=ahead)
    else:
        for item in results:
            records.append({**work(item), "_direction": role, "_found_in": "OpenAlex"})
    # Only lookups by key say what they missed; a forward search's citing works (thousands, paged)
    # are not carried from page to page.
    tracked = role in ("seeds", "backward")
    seen = sorted(set(note.get("seen") or []) | returned) if tracked else []
    cursor = meta.get("next_cursor")
    if cursor and results:
        following: Step | None = Step(step.url, {**step.params, "cursor": cursor}, {**note, "seen": seen}, step.method)
    else:
        missing = [k for k in note.get("asked") or [] if k not in seen] if tracked else []
        following = _after(note, role, missing, notes)
    return Page(records, meta.get("count") if role != "seeds" else None, following, len(results), notes)


def _parse_s2(body: str, step: Step, note: dict[str, Any]) -> Page:
    """A Semantic Scholar batch answer: one entry (or null, not found) per id asked, in order."""
    data = load_json(body)
    if not isinstance(data, list):
        raise BadPage("no list of papers in the Semantic Scholar batch response")
    asked = list(note.get("asked") or [])
    records: list[dict[str, Any]] = []
    missing: list[str] = []
    for key, paper in zip(asked, data + [None] * (len(asked) - len(data))):
        if not isinstance(paper, dict):
            missing.append(key)
            continue
        for part, direction in (("references", "backward"), ("citations", "forward")):
            for item in paper.get(part) or ():
                # A reference Semantic Scholar could not resolve has no paperId (and often no title).
                if isinstance(item, dict) and item.get("paperId") and item.get("title"):
                    records.append({**semantic_scholar.paper(item), "_direction": direction,
                                    "_found_in": "Semantic Scholar"})
    notes: list[str] = []
    return Page(records, None, _after(note, "s2", missing, notes), len(data), notes)


def _parse_crossref(body: str, step: Step, note: dict[str, Any], role: str) -> Page:
    """A Crossref answer to `filter=doi:…`: the seeds' deposited references, or records."""
    data = load_json(body)
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, dict) or not isinstance(message.get("items"), list):
        raise BadPage("no message.items in the Crossref response")
    asked = list(note.get("asked") or [])
    items = [item for item in message["items"] if isinstance(item, dict) and seed_key(item.get("DOI")) in asked]
    found = {seed_key(item.get("DOI")) for item in items}
    records: list[dict[str, Any]] = []
    notes: list[str] = []
    if role == "crossref":
        dois = list(note.get("crossref_refs") or [])
        unstructured = int(note.get("unstructured") or 0)
        for item in items:
            for ref in item.get("reference") or ():
                doi = seed_key((ref or {}).get("DOI"))
                if doi and doi not in dois:
                    dois.append(doi)
                elif not doi:
                    unstructured += 1
        note.update(crossref_refs=dois, unstructured=unstructured)
    else:
        records = [{**crossref.work(item), "_direction": "backward", "_found_in": "Crossref"} for item in items]
    missing = [k for k in asked if k not in found]
    return Page(records, None, _after(note, role, missing, notes), len(message["items"]), notes)


def _missing(role: str, keys: list[str], note: dict[str, Any]) -> str:
    what = {
        "seeds": "seeds not in OpenAlex",
        "backward": "referenced works not in OpenAlex",
        "s2": "seeds not in Semantic Scholar either",
        "crossref": "seeds in neither OpenAlex, Semantic Scholar nor Crossref",
        "crossref_works": "referenced works in neither OpenAlex nor Crossref",
    }[role]
    if role == "s2" and note["direction"] == "forward":
        what = "seeds not in Semantic Scholar either: no citing works found for them"
    shown = ", ".join(keys[:10]) + (" …" if len(keys) > 10 else "")
    return f"{len(keys)} {what}: {shown}"


def _after(note: dict[str, Any], role: str, missing: list[str], notes: list[str]) -> Step | None:
    """The next request once a lookup's pages are done: what it found or missed queues the rest."""
    queue = [list(item) for item in note.get("queue") or []]
    fallback = note.get("fallback") or {}
    direction = note["direction"]
    backward = direction in ("backward", "both")
    lacking = list(note.get("lacking") or [])
    # DOIs another database may have (with a fallback to ask); OpenAlex ids only OpenAlex knows.
    ids, dois = [k for k in missing if work_id(k)], [k for k in missing if not work_id(k)]
    if role == "seeds":
        lacking += [k for k in dois if k not in lacking] if fallback else []
        if ids or (dois and not fallback):
            notes.append(_missing(role, missing if not fallback else ids, note))
        note["lacking"] = lacking
    if role == "seeds" and not any(kind == "seeds" for kind, _ in queue):
        asked_seeds = set(note.get("all_seeds") or [])
        chase = [["backward", batch] for batch in _batches([r for r in note.get("refs") or [] if r not in asked_seeds])] \
            if backward else []
        ahead = [["forward", batch] for batch in _batches(note.get("forward_ids") or [])] \
            if direction in ("forward", "both") else []
        if lacking and fallback.get("semantic_scholar"):
            later = [["s2", batch] for batch in _batches(lacking, S2_BATCH)]
        elif lacking and fallback.get("crossref") and backward:
            later = [["crossref", batch] for batch in _batches(lacking)]
        else:  # a fallback that cannot help here (Crossref has no citing works): said now
            later = []
            if lacking:
                notes.append(_missing("seeds", lacking, note))
        queue = chase + queue + ahead + later
        note.update(refs=[], forward_ids=[], lacking=[])  # queued now: not carried by every later request
    elif role == "s2":
        if missing and fallback.get("crossref") and backward:
            queue += [["crossref", batch] for batch in _batches(missing)]
        elif missing:
            notes.append(_missing(role, missing, note))
    elif role == "crossref":
        if missing:
            notes.append(_missing(role, missing, note))
        if not any(kind == "crossref" for kind, _ in queue):
            refs = [d for d in note.get("crossref_refs") or [] if d not in set(note.get("all_seeds") or [])]
            queue += [["backward", batch] for batch in _batches(refs)]
            note["crossref_refs"] = []
            if note.get("unstructured"):
                notes.append(f"{note['unstructured']} references deposited in Crossref without a DOI: not chased")
    elif role == "backward" and missing:
        asking = bool(dois and fallback.get("crossref"))
        queue += [["crossref_works", batch] for batch in _batches(dois)] if asking else []
        if ids or not asking:
            notes.append(_missing(role, ids if asking else missing, note))
    elif role == "crossref_works" and missing:
        notes.append(_missing(role, missing, note))
    if not queue:
        return None
    kind, keys = queue.pop(0)
    clean = {k: v for k, v in note.items() if k not in ("role", "asked", "seen")}
    return _lookup({**clean, "queue": queue}, kind, keys)
