"""The definitions table: where each source defines or characterises the subject (micro-credentials),
which family the definition follows, and which elements it contains.

Needs the included works (work_id, title, abstract) and full texts as pages; the codebook's
`definitions` block (subject terms, families, elements). `find_definitions` gives one row per
definitional sentence (DEFINITION_COLUMNS plus one column per element: "yes" when the sentence
names the element, "no" when it names it under a negation, empty when it does not name it);
`apply_coders` puts the coders' confirmations, edits, rejections and
additions (the definitions ledger) over them; `compare_elements` says, per element, which defining sources share it (complementary: most of
them) and which lack or contradict it (contrasting), quoting the sources. Pure: no files.

A sentence is definitional when it matches one of PATTERNS around a subject term ("a
micro-credential is …", "micro-credentials are defined as …", "refers to", "we define", "the
term … means", "according to UNESCO …"), and is prose (`evidence.rejection`): headings, topic
lists and glued title runs are never definitions.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ...codebook import Codebook, Concept, Definitions
from .evidence import negated, rejection
from .match import Matcher, sentences, term_pattern

DEFINITION_COLUMNS = ("definition_id", "work_id", "definition", "field", "page", "pattern", "family", "elements",
                      "coder")
#: What a coder does with a definition in the Definitions sheet (an added row needs no decision).
DECISIONS = ("confirm", "edit", "reject")
DEFINITION_LEDGER = ("definition_id", "work_id", "decision", "definition", "family", "coder", "time", "workbook",
                     "workbook_checksum")
#: Per work, at most this many definitional sentences (the strongest patterns first).
PER_WORK = 3
#: (name, regex with {S} for the subject), strongest first.
PATTERNS = (
    ("defined as", r"{S}[^.;]{{0,60}}?\b(?:is|are|can be|may be|were|was|be)\s+(?:commonly\s+|broadly\s+|generally\s+|often\s+)?"
                   r"(?:defined|understood|conceptuali[sz]ed|described|characteri[sz]ed)\s+as\b"),
    ("we define", r"\bwe\s+(?:define|use the term|understand)\b[^.;]{{0,40}}?{S}"),
    ("the term means", r"\bterm\s+[\"'‘“]?{S}[\"'’”]?\s+(?:means|refers|describes|is used|denotes|covers)"),
    ("means", r"{S}[\"'’”]?\s+(?:means|denotes)\b"),
    ("refers to", r"{S}[\"'’”]?\s+(?:\([^)]{{0,40}}\)\s+)?(?:refers?|refer)\s+to\b"),
    ("is a", r"^(?:a|an|the)?\s*{S}[\"'’”]?\s+(?:is|are)\s+(?:a|an|the|typically|usually|generally|essentially|"
             r"considered|seen|viewed|short|small|certifications?|records?|credentials?|qualifications?|"
             r"proofs?|awards?|digital|formal)\b"),
    ("definition of", r"\bdefinitions?\s+(?:of|for)\s+(?:the\s+term\s+)?[\"'‘“]?{S}[\"'’”]?[^.;]{{0,30}}?"
                      r"(?:\bis\b|\bare\b|\bas\b|:|\breads\b|\bstates\b)"),
    ("according to", r"\baccording to (?:the\s+)?(?:UNESCO|OECD|European Commission|Council|EU)\b[^.]{{0,80}}?{S}"),
    # Characterisations: what micro-credentials offer, allow or present (weaker than a definition).
    ("characterises", r"{S}\s+(?:also\s+|can\s+|may\s+|could\s+)?(?:offers?|presents?|provides?|allows?|enables?|"
                      r"certif(?:y|ies)|recogni[sz]es?|validates?|captures?|represents?)\b"),
)
#: A sentence that carries the previous one on (its subject is the defined thing).
CONTINUES = re.compile(r"^(?:These|This|They|It|Its|Such|Each|Every)\b")


def _subject(spec: Definitions) -> str:
    return "(?:" + "|".join(term_pattern(t) for t in spec.subject if t.strip()) + ")"


def _matcher(concept: Concept) -> Matcher:
    return Matcher(concept.terms, concept.regex)


class Finder:
    """The definitions block compiled once."""

    def __init__(self, book: Codebook) -> None:
        spec = book.definitions or Definitions()
        self.spec = spec
        subject = _subject(spec) if spec.subject else None
        self.patterns = [(name, re.compile(rx.format(S=subject), re.IGNORECASE)) for name, rx in PATTERNS] \
            if subject else []
        self.families = {name: (c.label, _matcher(c)) for name, c in spec.families.items()}
        self.elements = {name: (c.label, _matcher(c)) for name, c in spec.elements.items()}
        self.labels = [theme.label for _, _, theme in book.themes()]

    def pattern(self, sentence: str) -> str | None:
        """The name of the first definitional pattern the sentence matches, or None."""
        for name, pattern in self.patterns:
            if pattern.search(sentence):
                return name
        return None

    def family(self, sentence: str) -> str:
        found = [label for label, matcher in self.families.values() if matcher.find(sentence)]
        return "; ".join(found) if found else "its own"

    def element_cells(self, sentence: str) -> dict[str, str]:
        cells = {}
        for name, (_, matcher) in self.elements.items():
            found = matcher.locate(sentence)
            cells[name] = "" if found is None else ("no" if negated(sentence, found[2]) else "yes")
        return cells


def find_definitions(works: pd.DataFrame, book: Codebook,
                     fulltexts: Mapping[str, Sequence[tuple[int, str]]] | None = None) -> pd.DataFrame:
    """One row per definitional sentence of an included work (see the module docstring)."""
    finder = Finder(book)
    element_names = list(finder.elements)
    rows: list[dict[str, Any]] = []
    for work in works.to_dict("records"):
        units = [("abstract", None, s) for s in sentences(work.get("abstract"))]
        units += [("full_text", page, s) for page, text in (fulltexts or {}).get(work["work_id"], ())
                  for s in sentences(text)]
        found = []
        seen: set[str] = set()
        for index, (field, page, sentence) in enumerate(units):
            if sentence in seen or rejection(sentence, finder.labels) is not None:
                continue
            name = finder.pattern(sentence)
            if name is None:
                continue
            seen.add(sentence)
            # A definition often runs on: "These learning outcomes will have been assessed …".
            following = units[index + 1] if index + 1 < len(units) else None
            if following and following[:2] == (field, page) and CONTINUES.match(following[2]):
                sentence = f"{sentence} {following[2]}"
            found.append((PATTERN_RANK[name], field, page, sentence, name))
        for _, field, page, sentence, name in sorted(found, key=lambda f: f[0])[:PER_WORK]:
            rows.append(_row(finder, work["work_id"], sentence[:1000], field=field, page=page, pattern=name))
    table = pd.DataFrame(rows, columns=[*DEFINITION_COLUMNS, *element_names])
    table["page"] = pd.array(table["page"], dtype="Int64")
    return table


PATTERN_RANK = {name: rank for rank, (name, _) in enumerate(PATTERNS)}


def definition_id(work_id: str, text: str) -> str:
    """A stable id of a definition (its work and first text), kept in the workbook and the ledger."""
    return hashlib.sha1(f"{work_id}\n{text}".encode()).hexdigest()[:12]


def _row(finder: Finder, work_id: str, text: str, *, field: str | None, page: Any, pattern: str,
         family: str | None = None, coder: str = "auto", key: str | None = None) -> dict[str, Any]:
    cells = finder.element_cells(text)
    return {"definition_id": key or definition_id(work_id, text), "work_id": work_id, "definition": text,
            "field": field, "page": page, "pattern": pattern, "family": family or finder.family(text),
            "elements": "; ".join(finder.elements[n][0] for n in finder.elements if cells[n] == "yes"),
            "coder": coder, **cells}


def apply_coders(found: pd.DataFrame, ledger: pd.DataFrame | None, book: Codebook,
                 works: set[str] | None = None) -> pd.DataFrame:
    """The definitions as coders left them: the latest ledger row per definition_id rejects one
    (dropped), confirms it (its `coder` named), edits its text or family (elements found again in
    the new text), or adds one the patterns missed (field and pattern "coder"). Rows on works no
    longer included are ignored."""
    if ledger is None or ledger.empty:
        return found
    finder = Finder(book)
    latest = ledger.sort_values("time", kind="stable").groupby("definition_id", sort=False).last()
    rows = {r["definition_id"]: r for r in found.to_dict("records")}
    for key, entry in latest.iterrows():
        decision, coder = str(entry.get("decision") or ""), str(entry["coder"])
        text = entry.get("definition") if isinstance(entry.get("definition"), str) and entry["definition"].strip() else None
        family = entry.get("family") if isinstance(entry.get("family"), str) and entry["family"].strip() else None
        if works is not None and entry["work_id"] not in works:
            continue
        if decision == "reject":
            rows.pop(key, None)
        elif key in rows:
            old = rows[key]
            rows[key] = _row(finder, old["work_id"], text or old["definition"], field=old["field"], page=old["page"],
                             pattern=old["pattern"], family=family or (old["family"] if not text else None),
                             coder=coder, key=key)
        elif text:
            rows[key] = _row(finder, str(entry["work_id"]), text, field="coder", page=None, pattern="coder",
                             family=family, coder=coder, key=key)
    table = pd.DataFrame(list(rows.values()), columns=found.columns)
    table["page"] = pd.array(table["page"], dtype="Int64")
    return table.sort_values(["work_id", "definition_id"], kind="stable").reset_index(drop=True)

COMPARE_COLUMNS = ("element", "kind", "sources", "share_percent", "quoted_by", "absent_from", "contradicted_by")
#: An element most definitions share: in at least this share of the defining sources.
MOST = 0.5


def compare_elements(definitions: pd.DataFrame, book: Codebook, cite: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Per element: complementary (in at least half the defining sources), contrasting (in some,
    absent from or contradicted by others) or absent (no definition names it), with the sources
    quoting it (`cite` maps work_id to an author-year label; the work_id otherwise)."""
    spec = book.definitions or Definitions()
    label = (lambda w: (cite or {}).get(w, w))
    works = sorted(set(definitions["work_id"])) if len(definitions) else []
    rows = []
    for name, concept in spec.elements.items():
        column = definitions[name] if name in definitions else pd.Series(dtype=object)
        per_work = {w: set(column[definitions["work_id"] == w].fillna("")) for w in works}
        having = [w for w in works if "yes" in per_work[w]]
        against = [w for w in works if "no" in per_work[w] and "yes" not in per_work[w]]
        absent = [w for w in works if w not in having and w not in against]
        share = len(having) / len(works) if works else 0.0
        kind = "absent" if not having else ("complementary" if share >= MOST and not against else "contrasting")
        rows.append({"element": concept.label, "kind": kind, "sources": len(having),
                     "share_percent": round(100 * share, 1),
                     "quoted_by": "; ".join(sorted(label(w) for w in having)),
                     "absent_from": "; ".join(sorted(label(w) for w in absent)),
                     "contradicted_by": "; ".join(sorted(label(w) for w in against))})
    return pd.DataFrame(rows, columns=list(COMPARE_COLUMNS))
