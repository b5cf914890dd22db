"""Coverage of the included works: geography from their full texts as well as from the record
(title, abstract, keywords, affiliations, countries: the screening stage's detection), and the
quality level with the reason for "unrated".

Needs the included works (work_id, countries_detected, regions, geography_evidence,
quality_level, quality_evidence) and full texts as pages. `coverage` gives COVERAGE_COLUMNS:
the screening detection united with the places named in the full text (evidence "full text p.N:
'Ontario' → CA"), and for each work its quality level, "unrated" with the rubric's reason where
no level fits. Pure: no files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from ...config import GeographyConfig
from ...records import split_list
from ..screen.geography import Coverage, Geography, find_places

COVERAGE_COLUMNS = ("work_id", "countries_detected", "regions", "geography_evidence", "geography_from",
                    "quality_level", "quality_evidence")
#: Evidence strings kept per work from its full text (the first places named).
MAX_FULLTEXT_EVIDENCE = 8


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def coverage(works: pd.DataFrame, fulltexts: Mapping[str, Sequence[tuple[int, str]]] | None,
             config: GeographyConfig) -> pd.DataFrame:
    """One row per included work (see the module docstring)."""
    geography = Geography(config)
    rows = []
    for work in works.to_dict("records"):
        countries = set(split_list(work.get("countries_detected")))
        named = set(split_list(work.get("regions")))
        evidence = list(split_list(work.get("geography_evidence")))
        sources = ["record"] if countries or named else []
        seen: dict[str, None] = {}
        for page, text in (fulltexts or {}).get(work["work_id"], ()):
            for surface, place in find_places(text):
                label = place.country or ", ".join(place.regions)
                where = f"full text p.{page}" if page else "full text"
                key = f"{where}: '{surface}' → {label}"
                if place.country:
                    countries.add(place.country)
                else:
                    named.update(place.regions)
                seen.setdefault(key, None)
        if seen:
            sources.append("full text")
            evidence += list(seen)[:MAX_FULLTEXT_EVIDENCE] + (
                [f"… (+{len(seen) - MAX_FULLTEXT_EVIDENCE} more in the full text)"] if len(seen) > MAX_FULLTEXT_EVIDENCE else [])
        found, regions, _ = geography.describe(Coverage(countries, named, []))
        level = _text(work.get("quality_level")) or "unrated"
        reason = _text(work.get("quality_evidence"))
        if level == "unrated" and not reason:
            reason = "unrated: the screening stage gave no quality level (no rubric was applied)"
        rows.append({"work_id": work["work_id"], "countries_detected": found, "regions": regions,
                     "geography_evidence": "; ".join(evidence) or None,
                     "geography_from": " and ".join(sources) or "nothing detected",
                     "quality_level": level, "quality_evidence": reason})
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))
