"""Screening criteria: the protocol's `screening:` section applied to every work, as proposals.

`propose(works, config)` adds to each work what every criterion found and one proposed
decision with its reason, criterion and evidence. A proposal is never a final decision:
reviewers see it in their workbooks and overrule it (part B, `decisions.py`).

The criteria, in the fixed order in which they are applied:

1. `years` — `after`/`before` (exclusive). Outside → exclude, reason "published before 2018"
   (for `after: 2017`), evidence "year 2015 ≤ 2017". No year → needs a human ("year missing"):
   a work is never excluded for a year it does not have.
2. `languages` — accepted languages as ISO 639 codes or names; "English", "eng", "en", "en-GB"
   are the same language (pycountry). A work in none of them → exclude, reason "language".
   An unknown value ("Multiple languages", "xx") needs a human. A work without a language of
   its own is judged by the language detected in its title, abstract and full text
   (`language.py`, columns `language_detected`, `language_confidence`, `language_words`,
   `language_evidence`): a detection (probability ≥ 0.5) in an accepted language passes; one
   outside them excludes from 0.8 on and 6 words of text (below, a human decides); title and
   abstract in two languages of which only one is accepted → needs a human; no detection of
   0.5 or more → needs a human, "language unknown: detection not confident".
3. `doc_types` — types to exclude (erratum, retraction, conference abstract, …), compared as
   words → exclude, reason "document type". No type → not excluded.
4. `relevance` — score of the concept groups (see `relevance.py`): below `floor`, or no term of
   a `require`d group → exclude, reason "not relevant"; at or above `ceiling` → include; between
   → needs a human. Without groups there is no relevance score and no automatic inclusion.
5. `geography` — detected countries and regions (see `geography.py`); in `include`/`exclude`
   mode a work entirely outside (inside) the listed places → exclude, reason "outside
   geography"; nothing detected in `include` mode → needs a human. `record` mode only describes.
6. `quality` — the rubric's level (see `quality.py`); a level listed in `quality.exclude` →
   exclude, reason "quality". By default no level excludes.

How they combine: the first criterion in this order that proposes an exclusion gives the
proposal (decision, reason, criterion, evidence): an objective bibliographic reason is reported
before a judgement on relevance, so PRISMA counts say "published before 2018" rather than "not
relevant" for an old, off-topic work. With no exclusion, any "needs a human" wins (criterion =
the first one asking; evidence = all of them, joined by " | "). Only then is a work proposed
for inclusion, and only by relevance at or above the ceiling. Everything else needs a human.
Reason texts come from `screening.reason_codes`, so a protocol words them as its PRISMA
diagram should.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pycountry

from ...config import ScreeningConfig
from ...errors import ConfigError, did_you_mean
from ...records import split_list
from ...store import paused_gc
from . import geography, language, quality, relevance

CRITERIA: tuple[str, ...] = ("years", "languages", "doc_types", "relevance", "geography", "quality")

#: Columns `propose` adds to the works table, in order (the language columns only when the
#: protocol lists languages: detection serves that criterion).
PROPOSAL_COLUMNS: tuple[str, ...] = (
    *language.DETECTED_COLUMNS,
    "relevance_score", "relevance_matches", "countries_detected", "regions", "geography_evidence",
    "quality_level", "quality_evidence",
    "proposed_decision", "proposed_reason", "proposed_criterion", "proposed_evidence",
)

#: Other spellings of the excluded document types, counted as the same type.
DOC_TYPE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "erratum": ("correction", "corrigendum"),
    "retraction": ("retracted",),
    "conference abstract": ("meeting abstract",),
}

#: Language codes that name no single language: they cannot be checked, so a reviewer decides.
_NO_LANGUAGE = {"und", "mul", "mis", "zxx"}

Verdict = tuple[str | None, str | None, str]  # (decision, reason, evidence)


def validate(config: ScreeningConfig) -> None:
    """Check what the protocol loader cannot: languages, terms, places, levels (ConfigError)."""
    for index, value in enumerate(config.languages):
        if language_code(value) is None:
            names = [lang.name for lang in pycountry.languages if hasattr(lang, "alpha_2")]
            raise ConfigError(f'screening.languages[{index}]: "{value}" is not a language{did_you_mean(str(value), names)}',
                              hint="use an ISO 639 code (en, eng) or an English name (English)")
    for index, value in enumerate(config.doc_types.exclude):
        if not quality.type_phrase(str(value)):
            raise ConfigError(f'screening.doc_types.exclude[{index}]: "{value}" has no words',
                              hint="write a document type such as erratum or conference abstract")
    relevance.check(config.relevance)
    geography.check(config.geography)
    quality.check(config.quality)
    for name in CRITERIA:
        code = getattr(config.reason_codes, name)
        if code is not None and not str(code).strip():
            raise ConfigError(f"screening.reason_codes.{name}: the reason is empty",
                              hint="write the reason as it should appear in the PRISMA diagram")


def reason_vocabulary(config: ScreeningConfig) -> tuple[str, ...]:
    """The protocol's `reasons`, then every reason code its active criteria can propose."""
    codes = list(config.reasons)
    years = config.years
    if years.after is not None:
        codes.append(config.reason_codes.years or f"published before {years.after + 1}")
    if years.before is not None:
        codes.append(config.reason_codes.years or f"published after {years.before - 1}")
    if config.languages:
        codes.append(config.reason_codes.languages)
    if config.doc_types.exclude:
        codes.append(config.reason_codes.doc_types)
    if (config.relevance.groups and config.relevance.floor is not None) or config.relevance.require:
        codes.append(config.reason_codes.relevance)
    if geography.mode(config.geography) != "record":
        codes.append(config.reason_codes.geography)
    if config.quality.exclude:
        codes.append(config.reason_codes.quality)
    return tuple(dict.fromkeys(codes))


def propose(works: pd.DataFrame, config: ScreeningConfig) -> pd.DataFrame:
    """The works with every criterion's findings and one proposed decision each (see module doc)."""
    validate(config)
    with paused_gc():  # a few verdicts per work, all kept to the end: no garbage to collect
        return _propose(works, config)


def _propose(works: pd.DataFrame, config: ScreeningConfig) -> pd.DataFrame:
    out = works.copy()
    n = len(out)
    column = {name: _column(out, name) for name in (
        "title", "abstract", "keywords", "doc_type", "language", "venue", "publisher", "authors",
        "url", "countries", "affiliations")}
    years = list(out["year"]) if "year" in out.columns else [None] * n

    # Languages and document types repeat across works: judge each distinct value once.
    languages = {value: _language(value, config.languages, config.reason_codes.languages)
                 for value in dict.fromkeys(column["language"])}
    detected = _detected_languages(out, config)
    doc_types = {value: _doc_type(value, config) for value in dict.fromkeys(column["doc_type"])}
    verdicts: dict[str, list[Verdict]] = {
        "years": [_year(value, config) for value in years],
        "languages": [languages[value] if value else detected[i] for i, value in enumerate(column["language"])],
        "doc_types": [doc_types[value] for value in column["doc_type"]],
    }

    texts = {name: column[name] for name in relevance.FIELDS}
    scores, matches, group_hits = relevance.score(texts, config.relevance)
    verdicts["relevance"] = [_relevance(float(scores[i]), matches[i], group_hits[i], config) for i in range(n)]

    places = geography.Geography(config.geography)
    coverage = geography.detect(column["countries"], column["affiliations"],
                                {name: column[name] for name in geography.TEXT_FIELDS}, config.geography)
    described = [places.describe(item) for item in coverage]
    verdicts["geography"] = [_with_reason(places.decide(item), config.reason_codes.geography) for item in coverage]

    rubric = quality.Rubric(config.quality)
    fields = ("doc_type", "venue", "publisher", "authors", "title", "url")
    assessed = [rubric.assess({name: column[name][i] for name in fields}) for i in range(n)]
    excluded_levels = set(config.quality.exclude)
    verdicts["quality"] = [
        ("exclude", config.reason_codes.quality, f"quality level '{level}' is excluded ({evidence})")
        if level in excluded_levels else (None, None, "")
        for level, evidence in assessed
    ]

    proposals = [_combine([verdicts[name][i] for name in CRITERIA]) for i in range(n)]
    added: dict[str, list[Any]] = {
        "relevance_matches": matches,
        "countries_detected": [item[0] for item in described],
        "regions": [item[1] for item in described],
        "geography_evidence": [item[2] for item in described],
        "quality_level": [item[0] for item in assessed],
        "quality_evidence": [item[1] for item in assessed],
    }
    for index, name in enumerate(("proposed_decision", "proposed_reason", "proposed_criterion", "proposed_evidence")):
        added[name] = [proposal[index] for proposal in proposals]
    out["relevance_score"] = pd.Series(scores.astype(float), index=out.index)
    for name in PROPOSAL_COLUMNS[len(language.DETECTED_COLUMNS) + 1:]:
        # object columns keep None for missing, as every other text column of the works table.
        out[name] = pd.Series(added[name], index=out.index, dtype=object)
    return out


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    if name not in frame.columns:
        return [None] * len(frame)
    return [value if isinstance(value, str) and value else None for value in frame[name].tolist()]


def _combine(verdicts: Sequence[Verdict]) -> tuple[str, str | None, str | None, str]:
    for name, (decision, reason, evidence) in zip(CRITERIA, verdicts, strict=True):
        if decision == "exclude":
            return "exclude", reason, name, evidence
    asking = [(name, evidence) for name, (decision, _, evidence) in zip(CRITERIA, verdicts, strict=True)
              if decision == "needs_human"]
    if asking:
        return "needs_human", None, asking[0][0], " | ".join(evidence for _, evidence in asking)
    decision, _, evidence = verdicts[CRITERIA.index("relevance")]
    if decision == "include":
        return "include", None, "relevance", evidence
    return "needs_human", None, "relevance", evidence or "no relevance terms in the protocol: a reviewer decides"


def _with_reason(result: tuple[str | None, str], reason: str) -> Verdict:
    decision, evidence = result
    return decision, reason if decision == "exclude" else None, evidence


def _year(value: Any, config: ScreeningConfig) -> Verdict:
    rule = config.years
    if rule.after is None and rule.before is None:
        return None, None, ""
    if value is None or pd.isna(value):
        return "needs_human", None, "year missing"
    year = int(value)
    if rule.after is not None and year <= rule.after:
        return "exclude", config.reason_codes.years or f"published before {rule.after + 1}", f"year {year} ≤ {rule.after}"
    if rule.before is not None and year >= rule.before:
        return "exclude", config.reason_codes.years or f"published after {rule.before - 1}", f"year {year} ≥ {rule.before}"
    return None, None, ""


@functools.lru_cache(maxsize=4096)
def language_code(value: str) -> str | None:
    """The ISO 639-3 code of a language given as a code (en, eng, ger, en-GB) or name (English)."""
    text = " ".join(str(value).split()).strip()
    if not text:
        return None
    head = text.replace("_", "-").split("-")[0] if len(text) <= 10 and "-" in text.replace("_", "-") else text
    head = head.split("(")[0].strip()
    lowered = head.lower()
    found = None
    if len(lowered) == 2 and lowered.isalpha():
        found = pycountry.languages.get(alpha_2=lowered)
    elif len(lowered) == 3 and lowered.isalpha():
        found = pycountry.languages.get(alpha_3=lowered) or pycountry.languages.get(bibliographic=lowered)
    if found is None and len(lowered) > 3:
        try:
            found = pycountry.languages.lookup(head)
        except LookupError:
            found = None
    return found.alpha_3 if found is not None else None


def _display(item: str, code: str) -> str:
    """'ng' (Ndonga), or just 'Spanish' when the value is the language's name."""
    language = pycountry.languages.get(alpha_3=code)
    name = language.name if language is not None else code
    return f"'{item}'" if item.lower() == name.lower() else f"'{item}' ({name})"


def _language(value: str | None, accepted: Sequence[str], reason: str) -> Verdict:
    if not accepted or not value:
        return None, None, ""
    wanted = {language_code(item) for item in accepted}
    unknown = []
    others = []
    for item in split_list(value):
        code = language_code(item)
        if code in wanted:
            return None, None, ""
        if code is None or code in _NO_LANGUAGE:
            unknown.append(item)
        else:
            others.append(_display(item, code))
    allowed = ", ".join(accepted)
    if unknown:
        return "needs_human", None, f"language '{'; '.join(unknown)}' not recognised (accepted: {allowed})"
    return "exclude", reason, f"language {', '.join(others)} not in: {allowed}"


def _detected_languages(out: pd.DataFrame, config: ScreeningConfig) -> list[Verdict]:
    """Detect the language of works without one (adding its columns to `out`) and judge it."""
    if not config.languages:
        found = language.detect(out, only=[False] * len(out))
        for name in language.DETECTED_COLUMNS:
            out[name] = found[name]
        return [(None, None, "")] * len(out)
    found = language.detect(out)
    for name in language.DETECTED_COLUMNS:
        out[name] = found[name]
    return [_detected(*row, config) for row in zip(*(found[name] for name in language.DETECTED_COLUMNS), strict=True)]


def _detected(codes: Any, confidence: Any, words: Any, evidence: Any, config: ScreeningConfig) -> Verdict:
    """The verdict on a work without a language of its own, from its detected language."""
    if not isinstance(evidence, str):  # the work has a language of its own
        return None, None, ""
    allowed = ", ".join(config.languages)
    if not isinstance(codes, str):
        return "needs_human", None, f"language unknown: {evidence}"
    if pd.isna(confidence) or confidence < language.PASS_CONFIDENCE:
        return "needs_human", None, f"language unknown: detection not confident ({evidence})"
    wanted = {language_code(item) for item in config.languages}
    found = split_list(codes)
    if all(code in wanted for code in found):
        return None, None, ""
    names = ", ".join(language.name(code) for code in found)
    if any(code in wanted for code in found):
        return "needs_human", None, f"languages detected: {names}, not all in: {allowed} ({evidence})"
    if confidence < language.EXCLUDE_CONFIDENCE:
        return "needs_human", None, (f"language detected: {names}, not confident enough to exclude "
                                     f"(< {language.EXCLUDE_CONFIDENCE}; accepted: {allowed}) ({evidence})")
    if pd.isna(words) or words < language.EXCLUDE_WORDS:
        return "needs_human", None, (f"language detected: {names}, on too little text to exclude "
                                     f"({words} words < {language.EXCLUDE_WORDS}; accepted: {allowed}) ({evidence})")
    return "exclude", config.reason_codes.languages, f"language detected: {names} not in: {allowed} ({evidence})"


def _doc_type(value: str | None, config: ScreeningConfig) -> Verdict:
    if not config.doc_types.exclude or not value:
        return None, None, ""
    for entry in config.doc_types.exclude:
        phrase = quality.type_phrase(str(entry))
        phrases = (phrase, *(quality.type_phrase(s) for s in DOC_TYPE_SYNONYMS.get(phrase, ())))
        matched = quality.type_matches(phrases, value)
        if matched:
            same = f" (same as {matched[1]})" if matched[1] != phrase else ""
            return "exclude", config.reason_codes.doc_types, f"document type '{matched[0]}' matches excluded '{entry}'{same}"
    return None, None, ""


def _relevance(score: float, matches: str | None, hits: Any, config: ScreeningConfig) -> Verdict:
    rules = config.relevance
    if not rules.groups:
        return None, None, ""
    matched = f"(matched: {matches or 'nothing'})"
    groups = list(rules.groups)
    missing = [name for name in rules.require if not hits[groups.index(name)]]
    reason = config.reason_codes.relevance
    if missing:
        which = ", ".join(f"'{name}'" for name in missing)
        return "exclude", reason, f"relevance {_num(score)}: no term of required group {which} {matched}"
    if rules.floor is not None and score < rules.floor:
        return "exclude", reason, f"relevance {_num(score)} < floor {_num(rules.floor)} {matched}"
    if rules.ceiling is not None and score >= rules.ceiling:
        return "include", None, f"relevance {_num(score)} ≥ ceiling {_num(rules.ceiling)} {matched}"
    low = f"floor {_num(rules.floor)}" if rules.floor is not None else "no floor"
    high = f"ceiling {_num(rules.ceiling)}" if rules.ceiling is not None else "no ceiling"
    return "needs_human", None, f"relevance {_num(score)} between {low} and {high} {matched}"


def _num(value: float) -> str:
    text = f"{float(value):.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text
