"""Citation searching through OpenAlex: the works the seeds cite (backward) and cite them (forward).

PRISMA 2020 and PRISMA-S count "citation searching" as an other method. `slr snowball` runs one
iteration as an API source of `type: citations` (so it pages, retries, keeps every page and
resumes exactly like every other API source, pipeline/sources/api.py), with the iteration's seeds
in `filters.seeds` (OpenAlex ids `W…` or DOIs) and `filters.direction` (backward, forward, both).

The requests, chained through `Step.note` (plain JSON, so the run state says which comes next):

1. backward only: the seeds themselves, `filter=openalex:W1|W2…` or `filter=doi:…`, 50 a request,
   for their `referenced_works` (these pages give no records; a seed OpenAlex does not return is
   noted in the log);
2. backward: the referenced works, `filter=openalex:…`, 50 a request (a reference OpenAlex does
   not return is counted as missing in the log);
3. forward: `filter=cites:W1|W2…`, 50 seeds a request, cursor-paged.

Records are OpenAlex works (openalex.work) with `_direction` (backward / forward) kept beside.
Only this module knows the chain; `slr search` rebuilds the records from the kept pages offline.
"""

from __future__ import annotations

import re
from typing import Any

from ..config import ApiSource
from .connector import BadPage, Page, Step, load_json
from .openalex import DEFAULT_URL, HINTS, KEY_ENV, auth, work  # noqa: F401  (the connector's names)

TYPE = "citations"
#: Ids (or DOIs) per `filter=` request: OpenAlex accepts up to 100 alternatives joined by `|`.
BATCH = 50
PER_PAGE = 200
DIRECTIONS = ("backward", "forward", "both")
_WORK_ID = re.compile(r"^(?:https?://openalex\.org/)?(W\d+)$", re.I)
_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)?(10\.\d{4,9}/\S+)$", re.I)

__all__ = ["TYPE", "DEFAULT_URL", "KEY_ENV", "HINTS", "BATCH", "DIRECTIONS", "auth", "first", "parse",
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


def _batches(items: list[str]) -> list[list[str]]:
    return [items[i:i + BATCH] for i in range(0, len(items), BATCH)]


def _lookup(base: str, role: str, keys: list[str], note: dict[str, Any]) -> Step:
    """One `filter=` request for works by id, by DOI (seeds only) or citing them (forward)."""
    if role == "forward":
        filt = f"cites:{'|'.join(keys)}"
    elif all(work_id(k) for k in keys):
        filt = f"openalex:{'|'.join(keys)}"
    else:  # OpenAlex ANDs comma-separated filters, so DOIs and ids go in separate requests
        filt = f"doi:{'|'.join(keys)}"
    return Step(f"{base}/works", {"filter": filt, "per_page": PER_PAGE, "cursor": "*"},
                {**note, "role": role, "asked": keys})


def first(source: ApiSource, base: str) -> Step:
    """The first request of one iteration (see the module docstring for the chain)."""
    seeds = [k for k in (seed_key(s) for s in source.filters.get("seeds") or ()) if k]
    direction = source.filters.get("direction", "both")
    if not seeds:
        raise ValueError("a citations search needs at least one seed (an OpenAlex id or a DOI)")
    queue: list[list[Any]] = []
    if direction in ("backward", "both"):
        ids, dois = [s for s in seeds if work_id(s)], [s for s in seeds if not work_id(s)]
        queue += [["seeds", batch] for batch in _batches(ids) + _batches(dois)]
    if direction in ("forward", "both"):
        # cites: takes OpenAlex ids only; DOI seeds get their id from the seed lookup (backward) or are noted.
        queue += [["forward", batch] for batch in _batches([s for s in seeds if work_id(s)])]
    if not queue:
        raise ValueError("forward citation searching needs OpenAlex ids (W…); these seeds are DOIs only: "
                         "use direction both (the backward lookup finds their ids) or list their OpenAlex ids")
    role, keys = queue.pop(0)
    return _lookup(base, role, keys, {"queue": queue, "direction": direction, "all_seeds": seeds, "refs": [], "seen": []})


def parse(body: str, step: Step, source: ApiSource) -> Page:
    """One response: its records (none for seed pages) and the next request of the chain."""
    data = load_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise BadPage("no results list in the response")
    note = dict(step.note)
    role = note.get("role", "forward")
    results = [item for item in data["results"] if isinstance(item, dict)]
    meta = data.get("meta") or {}
    notes: list[str] = []
    returned = {work_id(item.get("id")) for item in results}
    returned_dois = {seed_key(item.get("doi")) for item in results if item.get("doi")}
    records: list[dict[str, Any]] = []
    if role == "seeds":
        refs = list(note.get("refs") or [])
        for item in results:
            refs += [w for w in (work_id(r) for r in item.get("referenced_works") or ()) if w and w not in refs]
        note["refs"] = refs
    else:
        for item in results:
            record = work(item)
            record["_direction"] = role
            records.append(record)
    cursor = meta.get("next_cursor")
    if cursor and results:
        note["seen"] = sorted(set(note.get("seen") or []) | {w for w in returned if w} | returned_dois)
        following: Step | None = Step(step.url, {**step.params, "cursor": cursor}, note, step.method)
    else:
        seen = set(note.get("seen") or []) | {w for w in returned if w} | returned_dois
        if role in ("seeds", "backward"):
            missing = [k for k in note.get("asked") or [] if k not in seen]
            if missing:
                what = "seeds" if role == "seeds" else "referenced works"
                notes.append(f"{len(missing)} {what} not in OpenAlex: {', '.join(missing[:10])}"
                             f"{' …' if len(missing) > 10 else ''}")
        following = _after(step.url.rsplit("/works", 1)[0], role, note)
    return Page(records, meta.get("count") if role != "seeds" else None, following, len(results), notes)


def _after(base: str, role: str, note: dict[str, Any]) -> Step | None:
    """The next request once a lookup's pages are done (the queue, then backward, then forward)."""
    queue = [list(item) for item in note.get("queue") or []]
    if role == "seeds" and not any(kind == "seeds" for kind, _ in queue):
        asked_seeds = set(note.get("all_seeds") or [])
        refs = [r for r in note.get("refs") or [] if r not in asked_seeds]
        backward = [["backward", batch] for batch in _batches(refs)]
        queue = backward + queue
    if not queue:
        return None
    kind, keys = queue.pop(0)
    clean = {k: v for k, v in note.items() if k not in ("role", "asked", "seen")}
    return _lookup(base, kind, keys, {**clean, "queue": queue, "seen": []})
