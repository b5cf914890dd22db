"""Write the demo's kept API pages from real recorded responses (run from the repository root).

The machines that build this project have no internet, so `make demo` cannot search the databases.
Instead its API sources are rebuilt with `slr search --offline` from kept pages — the same files
an online `slr search` writes under data/<id>/raw/<source>/<run>/. This script makes those files
from responses recorded from the real APIs (tests/data/api/, provenance in its PROVENANCE.tsv):
each body, status, response headers and recording time is kept exactly; the request is the one
our connector sends for the protocol's source, walked page by page with the connector's own
parser, so the offline rebuild reads them like pages it fetched itself.

    .venv/bin/python data/demo/raw/record_pages.py
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from pipeline.config import load_protocol  # noqa: E402
from pipeline.sources.api import connector  # noqa: E402
from pipeline.sources.http import Fetched  # noqa: E402
from pipeline.sources.raw import RawRun  # noqa: E402

API = ROOT / "tests" / "data" / "api"
RUN = "recorded"

#: demo source → recorded responses, in paging order: (body file, status, headers, recorded at).
#: ERIC's file is a saved response body without its request, headers or time: its time is the day
#: this page was made (2026-11-25), not when ERIC answered. The others are full recordings.
EXCHANGES = {
    "eric": [(API / "eric_search_source_isse_rows2000.json", 200, {"content-type": "application/json"},
              "2026-11-25T00:00:00+00:00")],
}
#: demo source → recorded folder and which of its manifest's entries form the search's pages.
RECORDINGS = {
    "openalex": ("openalex_filter_cursor_2pages_and_400s", [3, 4]),
    "arxiv": ("arxiv_query_testing_start0_max10", [0]),
    # Both works of that page cite W2741809807, the demo's citation-searching seed: a true (partial)
    # answer to `filter=cites:W2741809807`, the request the citations connector sends.
    "citations": ("openalex_filter_cursor_2pages_and_400s", [3, 4]),
}
#: Response headers worth keeping (the rest are a CDN's routing details).
KEEP = {"content-type", "date", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "x-ratelimit-limit",
        "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after"}


def recorded(folder: str, entries: list[int]) -> list[tuple[Path, int, dict[str, str], str]]:
    manifest = json.loads((API / folder / "manifest.json").read_text(encoding="utf-8"))
    out = []
    for index in entries:
        entry = manifest[index]
        headers = {k.lower(): v for k, v in entry["headers"].items() if k.lower() in KEEP}
        body = API / folder / entry["body_file"]
        when = entry["recorded_at"].replace(" ", "T") + "+00:00" if entry["recorded_at"] else _feed_time(body)
        out.append((body, int(entry["status"]), headers, when))
    return out


def _feed_time(body: Path) -> str:
    """An Atom feed's own time (arXiv writes when it answered in the feed's first <updated>)."""
    match = re.search(r"<updated>([^<]+)</updated>", body.read_text(encoding="utf-8"))
    if not match:
        raise SystemExit(f"{body}: no recording time in its manifest nor in the feed")
    return match.group(1)


def main() -> int:
    protocol = load_protocol("config/demo.yaml", root=ROOT)
    exchanges = {**EXCHANGES, **{name: recorded(*spec) for name, spec in RECORDINGS.items()}}
    for name, responses in exchanges.items():
        source = protocol.source(name)
        module = connector(source.type)
        folder = ROOT / "data" / "demo" / "raw" / name / RUN
        shutil.rmtree(folder, ignore_errors=True)
        run = RawRun(folder)
        step = module.first(source, module.DEFAULT_URL)
        records = 0
        for number, (body_file, status, headers, when) in enumerate(responses, start=1):
            if step is None:
                raise SystemExit(f"{name}: the connector stops after page {number - 1}, but more responses are listed")
            body = body_file.read_text(encoding="utf-8")
            url = requests.Request(step.method, step.url, params=step.params).prepare().url or step.url
            page = module.parse(body, step, source)
            run.write_page(number, Fetched(url=url, status=status, headers=headers, body=body, fetched_at=when), step)
            records += len(page.records)
            step = page.next
            if source.max_records and records >= source.max_records:
                step = None
        if step is not None:
            raise SystemExit(f"{name}: the recorded responses end before the search does (next: {step.params})")
        if source.type == "citations":  # an iteration's state: its seeds and direction (runner/snowball.py)
            run.save({"source": name, "type": source.type, "complete": True, "pages": len(responses),
                      "run_id": RUN, "started_at": responses[0][3], "retrieved": records,
                      "query": f"iteration 1: {source.filters['direction']} citation searching from "
                               f"{len(source.filters['seeds'])} works",
                      "filters": {"direction": source.filters["direction"], "seeds": source.filters["seeds"],
                                  "iteration": 1}})
        print(f"{name}: {len(responses)} page(s), {records} records → {folder.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
