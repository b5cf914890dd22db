"""In-text author-year citations and the references list, rendered from included.csl.json with
citeproc-py and a CSL style.

The style is Harvard "Cite Them Right" (harvard-cite-them-right.csl), the CSL style citeproc-py
ships in its own package: APA is not shipped with citeproc-py and the project downloads nothing
at run time. CSL styles come from the Citation Style Language styles repository under the
Creative Commons Attribution-ShareAlike 3.0 licence (the licence is named in the .csl file).
A source without authors is cited by its title, as the style does; one whose citation comes out
without a name or title (some item types) by its shortened title and year.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import citeproc
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

STYLE = Path(citeproc.__file__).parent / "data" / "styles" / "harvard-cite-them-right.csl"
STYLE_NAME = "Harvard (Cite Them Right), CSL style shipped with citeproc-py; CC BY-SA 3.0"


class Citations:
    """Citations of the works of one CSL JSON text (`included.csl.json`)."""

    def __init__(self, csl_json: str) -> None:
        self.items = {item["id"]: item for item in json.loads(csl_json)}
        style = CitationStylesStyle(str(STYLE), validate=False)
        self._bib = CitationStylesBibliography(style, CiteProcJSON(list(self.items.values())), formatter.plain)
        self._cited: dict[str, str] = {}

    def cite(self, work_id: str) -> str:
        """"(Author, Year)" for a work (registered for the references list), or "" if unknown."""
        if work_id not in self.items:
            return ""
        if work_id not in self._cited:
            citation = Citation([CitationItem(work_id)])
            self._bib.register(citation)
            text = str(self._bib.cite(citation, lambda _: None))
            if not re.search(r"[A-Za-z]", text):
                item = self.items[work_id]
                words = str(item.get("title", work_id)).split()
                year = (item.get("issued") or {}).get("date-parts", [[None]])[0][0]
                text = f"({' '.join(words[:6])}{'…' if len(words) > 6 else ''}, {year or 'n.d.'})"
            self._cited[work_id] = text
        return self._cited[work_id]

    def label(self, work_id: str) -> str:
        """The citation without its brackets ("Oliver and Brown, 2022")."""
        return self.cite(work_id).strip("()") or work_id

    def references(self) -> list[str]:
        """The references list of every work cited so far, in the style's order."""
        return [re.sub(r"\s+", " ", str(entry)).strip() for entry in self._bib.bibliography()]


def cited(works: Iterable[str], citations: Citations | None) -> str:
    """"(A, 2021); (B, 2022)" for works, in the order given, without repeats."""
    if citations is None:
        return "; ".join(dict.fromkeys(works))
    return "; ".join(dict.fromkeys(citations.cite(w) or w for w in works))
