"""Benchmark: screening criteria (`propose`) on 50,000 works, printed as works per second.

The works are real ones repeated: the 258 titles and abstracts of the SYNERGY Donners_2021
dataset (tests/data/screening/), each given, in turn, one of the real author addresses of the
Web of Science and Embase exports there, so that every criterion has work to do: years, language,
document types, relevance (emicizumab topic, three concept groups), geography (include mode,
affiliations and text), quality (default rubric). A figure, not a timed test; the goal is a few
seconds for 50,000 works. Writes bench/results/screen_criteria.txt.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import pandas as pd
import rispy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import (  # noqa: E402
    DocTypeRule, GeographyConfig, RelevanceConfig, ScreeningConfig, YearRule,
)
from pipeline.records import clean_text  # noqa: E402
from pipeline.stages.screen import geography, relevance  # noqa: E402
from pipeline.stages.screen.criteria import propose  # noqa: E402

DATA = ROOT / "tests" / "data" / "screening"
RESULTS = Path(__file__).parent / "results" / "screen_criteria.txt"

CONFIG = ScreeningConfig(
    years=YearRule(after=2012),
    languages=("en",),
    doc_types=DocTypeRule(exclude=("erratum", "retraction", "conference abstract")),
    relevance=RelevanceConfig(
        groups={
            "drug": ("emicizumab*", "ace910", "ace 910", "factor viii-mimetic*", "bispecific antibod*"),
            "pharmacokinetics": ("pharmacokinetic*", "pharmacodynamic*", "bioavailability", "plasma level*",
                                 "plasma concentration*", "exposure*", "dose*", "dosing", "phase 1", "phase 3",
                                 "phase iii", "first-in-human"),
            "humans": ("patient*", "children", "person*", "people", "subjects", "volunteers", "hemophilia a",
                       "haemophilia a", "paediatric", "pediatric", "adult*"),
        },
        require=("drug",), floor=2.0, ceiling=5.0,
    ),
    geography=GeographyConfig(include=("EU", "OECD")),
)


def real_works(count: int) -> pd.DataFrame:
    """`count` works made by repeating the real Donners works, each with a real address."""
    donners = pd.read_csv(DATA / "Donners_2021_flat.csv", dtype=str, keep_default_na=False)
    addresses = []
    for name in ("asreview_web_of_science.txt", "asreview_embase.ris"):
        with open(DATA / name, encoding="utf-8-sig") as handle:
            addresses += [r["author_address"] for r in rispy.load(handle) if r.get("author_address")]
    base = pd.DataFrame({
        "title": donners["title"].map(clean_text), "abstract": donners["abstract"].map(clean_text),
        "authors": donners["authors"].map(clean_text), "year": pd.to_numeric(donners["year"]),
        "doi": donners["doi"].map(clean_text), "venue": donners["journal"].map(clean_text),
        "doc_type": donners["type"].map(clean_text), "language": "English",
    })
    rows = base.iloc[[i % len(base) for i in range(count)]].reset_index(drop=True)
    rows.insert(0, "work_id", [f"w{i:06d}" for i in range(count)])
    rows["affiliations"] = [addresses[i % len(addresses)] for i in range(count)]
    for name in ("keywords", "countries", "publisher", "url"):
        rows[name] = None
    rows["year"] = pd.array(rows["year"], dtype="Int64")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=50_000)
    args = parser.parse_args()
    works = real_works(args.works)
    abstract_mb = works["abstract"].dropna().str.len().sum() / 1e6

    started = time.perf_counter()
    geography.find_places("Ireland")  # builds the place-name automaton once per process
    setup = time.perf_counter() - started

    started = time.perf_counter()
    out = propose(works, CONFIG)
    elapsed = time.perf_counter() - started

    started = time.perf_counter()
    relevance.score({name: list(works[name]) for name in relevance.FIELDS}, CONFIG.relevance)
    relevance_only = time.perf_counter() - started

    decisions = out["proposed_decision"].value_counts().to_dict()
    lines = [
        f"{platform.platform(terse=True)}, Python {platform.python_version()}, pandas {pd.__version__}",
        f"works: {len(works):,} (abstracts {abstract_mb:.0f} MB of text)",
        f"place-name automaton built in {setup:.2f} s (once per process)",
        f"propose(): {elapsed:.2f} s = {len(works) / elapsed:,.0f} works/s",
        f"  of which relevance scoring: {relevance_only:.2f} s",
        f"proposed: {', '.join(f'{k} {v:,}' for k, v in sorted(decisions.items()))}",
    ]
    print("\n".join(lines))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
