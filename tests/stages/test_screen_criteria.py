"""Screening criteria (`pipeline.stages.screen.criteria.propose`) on real records.

Data: tests/data/screening/ (see PROVENANCE.md) — the Micro-Credential Observatory listing
(titles with years), the SYNERGY Donners_2021 set (258 titles/abstracts, 15 included), RIS
exports and OpenAlex records. Geography has its own file (test_screen_geography.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import rispy

from pipeline.config import (
    DocTypeRule, QualityConfig, QualityLevel, ReasonCodes, RelevanceConfig, ScreeningConfig, YearRule,
    load_protocol,
)
from pipeline.errors import ConfigError
from pipeline.records import clean_text, join_list, parse_year
from pipeline.stages.screen import relevance
from pipeline.stages.screen.criteria import PROPOSAL_COLUMNS, language_code, propose, reason_vocabulary

DATA = Path(__file__).parent.parent / "data" / "screening"
# The page separates years from titles with no-break spaces; compare with plain spaces.
LISTING = re.sub(r"[ \xa0]+", " ", (DATA / "observatory_listing.txt").read_text(encoding="utf-8"))

WORK_COLUMNS = ("work_id", "title", "abstract", "authors", "year", "doi", "venue", "doc_type", "language",
                "keywords", "countries", "affiliations", "publisher", "url", "sources", "n_records")

MICRO = RelevanceConfig(
    groups={
        "credentials": ("micro-credential*", "microcredential*", "digital badge*", "open badge*",
                        "nano-degree*", "micromaster*", "alternative credential*", "digital credential*"),
        "education": ("teacher*", "educator*", "professional learning", "professional development",
                      "higher education", "lifelong learning", "universit*"),
    },
    require=("credentials",), floor=1.0, ceiling=3.0,
)


def works(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A works table as dedupe hands it over: every column, missing = None, year Int64."""
    frame = pd.DataFrame([{name: row.get(name) for name in WORK_COLUMNS} for row in rows], columns=list(WORK_COLUMNS))
    frame = frame.astype(object).where(frame.notna(), None)
    frame["year"] = pd.array(frame["year"], dtype="Int64")
    return frame


def observatory(year: int, title: str, **fields: Any) -> dict[str, Any]:
    """One Observatory entry; asserts the title is really in the listing under that year."""
    assert f"{year} {title}" in LISTING or f"{year}{title}" in LISTING, title
    return {"work_id": f"obs:{title[:20]}", "title": title, "year": year, **fields}


def donners() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "Donners_2021_flat.csv", dtype=str, keep_default_na=False)
    table = works([
        {"work_id": row.openalex_id, "title": clean_text(row.title), "abstract": clean_text(row.abstract),
         "authors": clean_text(row.authors), "year": int(row.year), "doi": clean_text(row.doi),
         "venue": clean_text(row.journal), "doc_type": clean_text(row.type)}
        for row in frame.itertuples()
    ])
    table["label"] = frame["label_included"].astype(int).to_numpy()
    return table


def ris(name: str) -> list[dict[str, Any]]:
    """RIS records as works (the fields the criteria read), straight from rispy."""
    with open(DATA / name, encoding="utf-8-sig") as handle:
        entries = rispy.load(handle)
    return [{"work_id": f"{name}:{i}", "title": e.get("title") or e.get("primary_title"),
             "abstract": e.get("abstract"), "year": parse_year(e.get("year") or e.get("publication_year"))[0],
             "language": e.get("language"), "doc_type": e.get("type_of_work"),
             "venue": e.get("secondary_title") or e.get("journal_name"), "keywords": join_list(e.get("keywords")),
             "affiliations": e.get("author_address"), "publisher": e.get("publisher")}
            for i, e in enumerate(entries)]


def openalex(name: str) -> list[dict[str, Any]]:
    data = json.loads((DATA / name).read_text(encoding="utf-8"))
    out = []
    for item in data.get("results", [data]):
        source = (item.get("primary_location") or {}).get("source") or {}
        out.append({"work_id": item["id"], "title": item.get("title"), "year": item.get("publication_year"),
                    "language": item.get("language"), "doc_type": item.get("type"),
                    "venue": source.get("display_name"), "publisher": source.get("host_organization_name")})
    return out


def one(rows: list[dict[str, Any]], config: ScreeningConfig) -> list[dict[str, Any]]:
    return propose(works(rows), config).to_dict("records")


# --- the output table -------------------------------------------------------------------------


def test_propose_adds_the_proposal_columns_and_keeps_every_work():
    table = donners()
    out = propose(table, ScreeningConfig(relevance=MICRO))
    assert len(out) == 258
    assert list(out.columns) == [*table.columns, *PROPOSAL_COLUMNS]
    assert out["work_id"].tolist() == table["work_id"].tolist()
    assert out["relevance_score"].dtype == float
    assert set(out["proposed_decision"]) <= {"include", "exclude", "needs_human"}
    # The haemophilia set has nothing on micro-credentials: every work is proposed "not relevant".
    assert out["proposed_reason"].eq("not relevant").sum() == 258
    assert out.loc[0, "proposed_evidence"].startswith("relevance 0.0: no term of required group 'credentials'")


def test_missing_values_stay_none():
    out = propose(works([observatory(2021, "Micro-credentials: Hope or Hype?")]), ScreeningConfig())
    row = out.iloc[0]
    assert row["countries_detected"] is None and row["relevance_matches"] is None
    assert row["proposed_reason"] is None
    assert row["proposed_evidence"] == "no relevance terms in the protocol: a reviewer decides"


# --- years ------------------------------------------------------------------------------------


def test_years_after_excludes_with_reason_and_evidence():
    out = propose(donners(), ScreeningConfig(years=YearRule(after=2017)))
    excluded = out[out["proposed_criterion"] == "years"]
    assert len(excluded) == 65  # Donners records published 1994-2017
    assert set(excluded["proposed_reason"]) == {"published before 2018"}
    oldest = excluded[excluded["year"] == 1994].iloc[0]
    assert oldest["title"].startswith("Discordance of anti-ischemic and hemodynamic effects of captopril")
    assert oldest["proposed_evidence"] == "year 1994 ≤ 2017"


def test_years_before_and_a_protocol_reason_code():
    config = ScreeningConfig(years=YearRule(before=2020), reason_codes=ReasonCodes(years="outside 2018-2019"))
    out = propose(donners(), config)
    excluded = out[out["proposed_criterion"] == "years"]
    assert len(excluded) == 55  # 2020 and 2021
    assert set(excluded["proposed_reason"]) == {"outside 2018-2019"}
    assert excluded.iloc[0]["proposed_evidence"] in {"year 2020 ≥ 2020", "year 2021 ≥ 2020"}
    assert reason_vocabulary(config) == ("outside 2018-2019",)


def test_a_work_without_a_year_needs_a_human_never_an_exclusion():
    # The record's year is "PY  - 10 15": parse_year leaves it empty.
    (row,) = one(ris("asreview_faulty_year.ris"), ScreeningConfig(years=YearRule(after=2017)))
    assert pd.isna(row["year"])
    assert (row["proposed_decision"], row["proposed_criterion"]) == ("needs_human", "years")
    assert row["proposed_evidence"].startswith("year missing")


# --- languages --------------------------------------------------------------------------------


@pytest.mark.parametrize("accepted", [["en"], ["eng"], ["English"], ["english"], ["en-GB"], ["EN"]])
def test_language_spellings_are_one_language(accepted):
    rows = ris("asreview_embase.ris") + ris("asreview_pubmed_zotero.ris") + openalex("openalex_work_W2741809807.json")
    assert {r["language"] for r in rows} == {"English", "eng", "en"}
    out = propose(works(rows), ScreeningConfig(languages=tuple(accepted)))
    assert len(out) == 13
    assert out["proposed_criterion"].ne("languages").all()


def test_another_language_is_excluded_with_its_name():
    # OpenAlex labelled this untitled paratext "ng" (Ndonga).
    (row,) = one(openalex("openalex_work_W4234567890_paratext.json"), ScreeningConfig(languages=("en",)))
    assert (row["proposed_decision"], row["proposed_reason"]) == ("exclude", "language")
    assert row["proposed_evidence"] == "language 'ng' (Ndonga) not in: en"


def test_an_unreadable_language_needs_a_human_and_a_missing_one_is_detected():
    # The Spanish title is real (Observatory); its language labels are ours: no shared record has one.
    title = "Microcredenciales e Insignias Digitales Y Aprendizaje Experiencial (Video)"
    assert title in LISTING
    rows = [{"work_id": "a", "title": title, "language": "Spanish"},
            {"work_id": "b", "title": title, "language": "Multiple languages"},
            {"work_id": "c", "title": title, "language": None},
            {"work_id": "d", "title": title, "language": "English; Spanish"}]
    out = propose(works(rows), ScreeningConfig(languages=("English",))).set_index("work_id")
    assert out.loc["a", "proposed_evidence"] == "language 'Spanish' not in: English"
    assert out.loc["b", "proposed_criterion"] == "languages"
    assert out.loc["b", "proposed_evidence"].startswith("language 'Multiple languages' not recognised (accepted: English)")
    # No language of its own: detected from the title, not confidently enough to exclude it.
    assert out.loc["c", "proposed_criterion"] == "languages"
    assert out.loc["c", "proposed_decision"] == "needs_human"
    assert out.loc["c", "proposed_evidence"].startswith(
        "language detected: Spanish, not confident enough to exclude (< 0.8; accepted: English) (title: Spanish 0.57)")
    assert out.loc["c", "language_detected"] == "spa"
    assert out.loc["d", "proposed_criterion"] != "languages"
    # A language of its own is never replaced by a detection.
    assert out[["language_detected", "language_evidence"]].loc[["a", "b", "d"]].isna().all().all()


def test_language_codes():
    assert {language_code(v) for v in ("en", "eng", "English", "en-US", "en_GB")} == {"eng"}
    assert language_code("ger") == language_code("de") == "deu"
    assert language_code("xx") is None


def test_an_unknown_protocol_language_is_a_config_error():
    with pytest.raises(ConfigError, match=r'screening\.languages\[1\]: "Englsh" is not a language \(did you mean "English"\?\)'):
        propose(works([]), ScreeningConfig(languages=("de", "Englsh")))


# --- document types ---------------------------------------------------------------------------


@pytest.mark.parametrize(("excluded", "count", "evidence"), [
    ("journal issue", 1, "document type 'journal-issue' matches excluded 'journal issue'"),
    ("proceedings article", 6, "document type 'proceedings-article' matches excluded 'proceedings article'"),
    ("Book Chapters", 2, "document type 'book-chapter' matches excluded 'Book Chapters'"),
])
def test_doc_types_excluded_as_words(excluded, count, evidence):
    out = propose(donners(), ScreeningConfig(doc_types=DocTypeRule(exclude=(excluded,))))
    hit = out[out["proposed_criterion"] == "doc_types"]
    assert len(hit) == count
    assert set(hit["proposed_reason"]) == {"document type"}
    assert hit.iloc[0]["proposed_evidence"] == evidence


def test_openalex_paratext_excluded_as_a_type():
    (row,) = one(openalex("openalex_work_W4234567890_paratext.json"), ScreeningConfig(doc_types=DocTypeRule(exclude=("paratext",))))
    assert row["proposed_evidence"] == "document type 'paratext' matches excluded 'paratext'"


@pytest.mark.parametrize(("doc_type", "evidence"), [
    # Type labels as databases write them (PubMed, Crossref, WoS); no shared record carries them.
    ("Published Erratum", "document type 'Published Erratum' matches excluded 'erratum'"),
    ("Correction", "document type 'Correction' matches excluded 'erratum' (same as correction)"),
    ("Article; Retracted Publication", "document type 'Retracted Publication' matches excluded 'retraction' (same as retracted)"),
    ("Meeting Abstract", "document type 'Meeting Abstract' matches excluded 'conference abstract' (same as meeting abstract)"),
])
def test_doc_type_synonyms(doc_type, evidence):
    config = ScreeningConfig(doc_types=DocTypeRule(exclude=("erratum", "retraction", "conference abstract")))
    (row,) = one([{"work_id": "w", "title": "x", "doc_type": doc_type}], config)
    assert row["proposed_evidence"] == evidence


def test_doc_types_leave_other_and_missing_types_alone():
    config = ScreeningConfig(doc_types=DocTypeRule(exclude=("erratum", "retraction", "conference abstract")))
    out = propose(works(ris("asreview_scopus.ris") + [observatory(2022, "The Future is Micro")]), config)
    assert out["proposed_criterion"].ne("doc_types").all()


# --- relevance --------------------------------------------------------------------------------


@pytest.mark.parametrize(("year", "title", "matches"), [
    (2022, "Microcredentials - A New Opportunity for Lifelong Learning",
     "credentials: micro-credential* (title); education: lifelong learning (title)"),
    (2022, "Toward Just and Equitable Micro‐credentials: An Australian Perspective",  # U+2010 hyphen
     "credentials: micro-credential* (title)"),
    (2019, "Designing and Implementing Micro-Credentials", "credentials: micro-credential* (title)"),
    (2021, "Digital Badges: Pinning Down Employer Challenges", "credentials: digital badge* (title)"),
    (2015, "Micro-credentials, Nano Degree, and Digital Badges",
     "credentials: micro-credential* (title), digital badge* (title), nano-degree* (title)"),
    (2020, "Building Digital Capacity for Higher Education Teachers",
     "education: teacher* (title), higher education (title)"),
    (2020, "Micro-certification Business Models in Higher Education", "education: higher education (title)"),
    (2021, "Micro-credentials: Hope or Hype?", "credentials: micro-credential* (title)"),
])
def test_term_variants_on_observatory_titles(year, title, matches):
    (row,) = one([observatory(year, title)], ScreeningConfig(relevance=MICRO))
    assert row["relevance_matches"] == matches


def test_hyphen_space_and_closed_forms():
    text = "micro-credentials, micro credentials and microcredentials; nanodegrees; professional-learning"
    matcher = relevance.compile_terms(RelevanceConfig(groups={
        "a": ("micro-credential*",), "b": ("microcredential*",), "c": ("nanodegree",), "d": ("professional learning",)}))
    found = [(matcher.terms[t].label, text[s:e]) for t, s, e in relevance.find(matcher, relevance.normalise(text))]
    assert found == [("micro-credential*", "micro-credentials"), ("micro-credential*", "micro credentials"),
                     ("micro-credential*", "microcredentials"), ("microcredential*", "microcredentials"),
                     ("professional learning", "professional-learning")]


def test_a_wildcard_inside_a_term_is_one_word():
    titles = donners()["title"].tolist()
    _, matches, _ = relevance.score({"title": titles}, RelevanceConfig(groups={"trial": ("phase * study",)}))
    found = [title for title, match in zip(titles, matches) if match]
    assert len(found) == 6  # "Phase 2 study", "phase 3 study", "Phase 1 Study", …
    assert found[0].startswith("A non-randomized, open-label, single-arm, Phase 2 study of emibetuzumab")


def test_synonyms_of_one_group_count_once():
    config = RelevanceConfig(groups={"credentials": ("micro-credential*", "microcredential*", "micro*")})
    scores, matches, hits = relevance.score({"title": ["Microcredentials"]}, config)
    assert matches == ["credentials: micro-credential* (title)"] and hits.tolist() == [[1]]


def test_relevance_thresholds_with_evidence():
    rows = [observatory(2022, "Micro-credentials for Higher Education Leaders"),
            observatory(2021, "Micro-credentials: Hope or Hype?"),
            observatory(2020, "Micro-certification Business Models in Higher Education"),
            observatory(2021, "Interrogating Theoretical and Empirical Approaches to Employability")]
    out = propose(works(rows), ScreeningConfig(relevance=MICRO))
    assert out["relevance_score"].tolist() == [3.511, 1.823, 1.714, 0.0]
    assert out["proposed_decision"].tolist() == ["include", "needs_human", "exclude", "exclude"]
    assert out["proposed_evidence"].tolist() == [
        "relevance 3.51 ≥ ceiling 3.0 (matched: credentials: micro-credential* (title); education: higher education (title))",
        "relevance 1.82 between floor 1.0 and ceiling 3.0 (matched: credentials: micro-credential* (title))",
        "relevance 1.71: no term of required group 'credentials' (matched: education: higher education (title))",
        "relevance 0.0: no term of required group 'credentials' (matched: nothing)",
    ]
    config = ScreeningConfig(relevance=RelevanceConfig(groups=MICRO.groups, floor=2.0, ceiling=None))
    out = propose(works(rows), config)
    assert out["proposed_decision"].tolist() == ["needs_human", "exclude", "exclude", "exclude"]
    assert out["proposed_evidence"][0].startswith("relevance 3.51 between floor 2.0 and no ceiling")
    assert out["proposed_evidence"][1].startswith("relevance 1.82 < floor 2.0 (matched: credentials")


def test_abstract_and_keywords_count_with_their_weights():
    (embase,) = [r for r in ris("asreview_scopus.ris") if r["title"].startswith("Exercise influence")]
    config = RelevanceConfig(groups={"gut": ("microbiome*", "gut",)}, floor=None, ceiling=None)
    scores, matches, _ = relevance.score({name: [embase[name]] for name in relevance.FIELDS}, config)
    assert matches[0].startswith("gut: microbiome* (title, keywords")
    heavier = RelevanceConfig(groups=config.groups, weights=type(config.weights)(title=6.0), floor=None, ceiling=None)
    assert relevance.score({name: [embase[name]] for name in relevance.FIELDS}, heavier)[0][0] > scores[0]


# The review's question, read from the 15 included titles: pharmacokinetics (and efficacy) of
# emicizumab in people. The score should put those works high in a corpus that is all about
# emicizumab and haemophilia.
DONNERS = RelevanceConfig(
    groups={
        "drug": ("emicizumab*", "ace910", "ace 910", "factor viii-mimetic*", "bispecific antibod*"),
        "pharmacokinetics": ("pharmacokinetic*", "pharmacodynamic*", "bioavailability", "plasma level*",
                             "plasma concentration*", "exposure*", "dose*", "dosing", "phase 1", "phase 3",
                             "phase iii", "first-in-human"),
        "humans": ("patient*", "children", "person*", "people", "subjects", "volunteers", "hemophilia a",
                   "haemophilia a", "paediatric", "pediatric", "adult*"),
    },
    require=("drug",), floor=1.0, ceiling=5.0,
)


def test_relevance_ranks_the_included_donners_works_high():
    out = propose(donners(), ScreeningConfig(relevance=DONNERS))
    ranked = out.sort_values("relevance_score", ascending=False, kind="stable").reset_index(drop=True)
    included = ranked.index[ranked["label"] == 1]
    assert len(included) == 15
    positives = ranked["relevance_score"].rank()[included].sum()
    auc = (positives - 15 * 16 / 2) / (15 * (258 - 15))
    assert auc > 0.9
    assert (included < 75).sum() == 14  # of 15 in the top 75 of 258; all 15 in the top 175
    # No included work is proposed for exclusion (63 are); 12 of the 48 proposed inclusions are.
    counts = ranked.groupby(["proposed_decision", "label"]).size().to_dict()
    assert counts == {("exclude", 0): 63, ("include", 0): 36, ("include", 1): 12,
                      ("needs_human", 0): 144, ("needs_human", 1): 3}
    top = ranked.iloc[0]
    assert top["relevance_matches"].startswith("drug: emicizumab* (title")


def test_relevance_config_errors():
    with pytest.raises(ConfigError, match=r'screening\.relevance\.require\[0\]: "credential" is not a group \(did you mean "credentials"\?\)'):
        propose(works([]), ScreeningConfig(relevance=RelevanceConfig(groups=MICRO.groups, require=("credential",))))
    with pytest.raises(ConfigError, match=r"screening\.relevance: floor \(5\.0\) is above ceiling \(4\.0\)"):
        propose(works([]), ScreeningConfig(relevance=RelevanceConfig(groups=MICRO.groups, floor=5.0, ceiling=4.0)))
    with pytest.raises(ConfigError, match=r'screening\.relevance\.groups\.credentials\[0\]: "\*credential" is not a term'):
        propose(works([]), ScreeningConfig(relevance=RelevanceConfig(groups={"credentials": ("*credential",)})))
    with pytest.raises(ConfigError, match=r"screening\.relevance\.groups\.empty: the group has no terms"):
        propose(works([]), ScreeningConfig(relevance=RelevanceConfig(groups={"empty": ()})))


def test_highlight_pattern_finds_terms_in_raw_text():
    pattern = relevance.highlight_pattern(MICRO)
    title = "Toward Just and Equitable Micro‐credentials: An Australian Perspective"
    assert [m.group(0) for m in pattern.finditer(title)] == ["Micro‐credentials"]
    assert relevance.highlight_pattern(RelevanceConfig()) is None


# --- quality ----------------------------------------------------------------------------------


def test_quality_levels_on_real_records():
    rows = (ris("asreview_embase.ris")[:1] + openalex("openalex_works_page_W3045921891_W3046863325.json")
            + [observatory(2023, "Micro-credentials for Lifelong Learning and Employability - OECD"),
               observatory(2021, "Micro-credentials: Hope or Hype?")])
    donner = donners()
    chapter = donner[donner["doc_type"] == "book-chapter"].iloc[:1].to_dict("records")
    out = propose(works(rows + chapter), ScreeningConfig())
    assert out["quality_level"].tolist() == [
        "peer-reviewed", "unrated", "grey literature", "recognised body", "unrated", "academic"]
    assert out["quality_evidence"].tolist() == [
        "peer-reviewed: type 'Article', in 'Endoscopic Ultrasound'",
        "unrated: no rubric level fits (type 'article', no venue)",
        "grey literature: type 'preprint'",
        "recognised body: title names 'OECD'",
        "unrated: no rubric level fits (no document type, no venue)",
        "academic: type 'book-chapter'",
    ]
    # Quality describes; by default it never decides.
    assert out["proposed_criterion"].ne("quality").all()


def test_recognised_body_as_publisher_and_url():
    (peerj,) = openalex("openalex_work_W2741809807.json")
    assert peerj["publisher"] == "PeerJ, Inc."
    config = ScreeningConfig(quality=QualityConfig(bodies=("PeerJ", "oecd.org")))
    rows = [{**peerj, "doc_type": "report"},
            # The URL is ours (an OECD page address): no shared record has one.
            {"work_id": "oecd", "title": "Micro-credential innovations in higher education", "doc_type": "report",
             "url": "https://www.oecd.org/education/micro-credential-innovations.htm"}]
    out = propose(works(rows), config)
    assert out["quality_evidence"].tolist() == [
        "recognised body: publisher 'PeerJ, Inc.' names 'PeerJ'",
        "recognised body: url domain 'www.oecd.org'",
    ]


def test_a_quality_level_can_propose_exclusion():
    config = ScreeningConfig(quality=QualityConfig(exclude=("grey literature",)))
    out = propose(works(openalex("openalex_works_page_W3045921891_W3046863325.json")), config)
    assert out["proposed_decision"].tolist() == ["needs_human", "exclude"]
    assert out.loc[1, "proposed_reason"] == "quality"
    assert out.loc[1, "proposed_evidence"] == "quality level 'grey literature' is excluded (grey literature: type 'preprint')"


def test_a_custom_rubric():
    levels = (QualityLevel("journal", doc_types=("journal article",), venue=True), QualityLevel("other"))
    out = propose(donners().head(3), ScreeningConfig(quality=QualityConfig(levels=levels)))
    assert out["quality_level"].tolist() == ["journal", "journal", "journal"]
    assert out["quality_evidence"][0] == "journal: type 'journal-article', in 'Seminars in Thrombosis and Hemostasis'"


def test_quality_config_errors():
    with pytest.raises(ConfigError, match=r'screening\.quality\.exclude\[0\]: "grey" is not a level'):
        propose(works([]), ScreeningConfig(quality=QualityConfig(exclude=("grey",))))
    levels = (QualityLevel("a"), QualityLevel("a"))
    with pytest.raises(ConfigError, match=r'screening\.quality\.levels\[1\]\.name: "a" is used twice'):
        propose(works([]), ScreeningConfig(quality=QualityConfig(levels=levels)))


# --- how criteria combine ---------------------------------------------------------------------

FULL = ScreeningConfig(years=YearRule(after=2017), languages=("en",),
                       doc_types=DocTypeRule(exclude=("erratum",)), relevance=MICRO)


def test_the_first_exclusion_in_criterion_order_wins():
    # Too old AND not relevant: the year is reported, not relevance.
    (row,) = one([observatory(2016, "The Future of University Qualifications")], FULL)
    assert (row["proposed_criterion"], row["proposed_reason"], row["proposed_evidence"]) == (
        "years", "published before 2018", "year 2016 ≤ 2017")
    # A relevant work from 2015 is excluded for its year all the same.
    (row,) = one([observatory(2015, "Micro-credentials, Nano Degree, and Digital Badges")], FULL)
    assert row["proposed_criterion"] == "years"


def test_an_exclusion_outranks_a_missing_year_which_outranks_an_include():
    rows = [{"work_id": "a", "title": "Digital Badges: Pinning Down Employer Challenges"},  # no year, relevant
            {"work_id": "b", "title": "Interrogating Theoretical and Empirical Approaches to Employability"}]
    out = propose(works(rows), FULL)
    assert out.loc[0, "proposed_decision"] == "needs_human"
    assert out.loc[0, "proposed_criterion"] == "years"
    assert out.loc[0, "proposed_evidence"] == (
        "year missing | relevance 1.75 between floor 1.0 and ceiling 3.0 (matched: credentials: digital badge* (title))")
    assert (out.loc[1, "proposed_decision"], out.loc[1, "proposed_criterion"]) == ("exclude", "relevance")


def test_include_needs_relevance_at_the_ceiling_and_no_exclusion():
    (row,) = one([observatory(2022, "Micro-credentials for Higher Education Leaders", language="en")], FULL)
    assert (row["proposed_decision"], row["proposed_criterion"], row["proposed_reason"]) == ("include", "relevance", None)


def test_reason_vocabulary_adds_the_active_criteria_codes():
    config = ScreeningConfig(years=YearRule(after=2017), relevance=MICRO, languages=("en",),
                             reasons=("not about micro-credentials", "published before 2018"),
                             reason_codes=ReasonCodes(relevance="not about micro-credentials"))
    assert reason_vocabulary(config) == ("not about micro-credentials", "published before 2018", "language")


PROTOCOL = """\
id: microcredentials
title: Micro-credentials
research_questions: {RQ1: "What models and practices of micro-credentials are described?"}
sources:
  - {name: openalex, type: openalex, query: micro-credential}
screening:
  years: {after: 2017}
  languages: [en]
  doc_types: {exclude: [erratum, retraction, conference abstract]}
  relevance:
    groups:
      credentials: [micro-credential*, digital badge*, open badge*, nano-degree*, micromaster*]
      education: [teacher*, educator*, professional learning, higher education]
    require: [credentials]
    weights: {title: 3, keywords: 2, abstract: 1}
    floor: 1.0
    ceiling: 3.0
  geography: {mode: record}
  quality: {exclude: []}
  reason_codes: {relevance: not about micro-credentials, doc_types: not a source type we review}
  reasons: [not about micro-credentials, published before 2018, not a source type we review]
"""


def test_the_documented_protocol_section_loads_and_runs(tmp_path):
    (tmp_path / "review.yaml").write_text(PROTOCOL, encoding="utf-8")
    config = load_protocol("review.yaml", root=tmp_path).screening
    rows = [observatory(2022, "Micro-credentials for Higher Education Leaders"),
            observatory(2021, "Interrogating Theoretical and Empirical Approaches to Employability"),
            observatory(2016, "Foundation of Digital Badges and Micro-Credentials")]
    out = propose(works(rows), config)
    assert out["proposed_decision"].tolist() == ["include", "exclude", "exclude"]
    assert out["proposed_reason"].tolist() == [None, "not about micro-credentials", "published before 2018"]
    assert reason_vocabulary(config) == ("not about micro-credentials", "published before 2018",
                                         "not a source type we review", "language")


def test_an_unknown_protocol_key_names_its_yaml_path(tmp_path):
    (tmp_path / "review.yaml").write_text(PROTOCOL.replace("    floor: 1.0", "    flor: 1.0"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r'screening\.relevance\.flor: unknown key "flor" \(did you mean "floor"\?\)'):
        load_protocol("review.yaml", root=tmp_path)
