"""Golden tests: a small fixed review built from real records, every table checked value by value.

The records are real: 6 Scopus records (tests/data/screening/asreview_scopus.ris) and 10 entries of
the Micro-Credential Observatory listing (tests/data/reflist/observatory.txt), read with the
project's own importers. What happens to them after the search is MADE FOR THE TEST (stated where
it is set): the dedupe result (the listing's two exact-title repeats merged), the screening
decisions, the countries and quality levels, and the codes (whose evidence quotes the titles).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.codebook import load_codebook
from pipeline.config import FileSource, load_protocol
from pipeline.records import make_records
from pipeline.report.exports import to_asreview, to_bibtex, to_csl_json, to_ris
from pipeline.sources import read_source_file
from pipeline.stages.synthesis import tables as T
from pipeline.stages.synthesis.catalogue import catalogue_markdown
from pipeline.stages.synthesis.prisma import prisma
from pipeline.stages.synthesis.report import report_markdown

ROOT = Path(__file__).parents[2]
DATA = Path(__file__).parents[1] / "data"
BOOK = load_codebook(ROOT / "config" / "codebook.yaml")
PROTOCOL = load_protocol("config/demo.yaml", root=ROOT)

# Positions in the Observatory listing: 3 policy initiatives, 98 and 107 the same report listed
# twice, 112 and 116/117 journal articles (116 ≡ 117), 250 a 2016 commentary, 253 an event.
OBSERVATORY = [0, 1, 3, 98, 107, 112, 116, 117, 250, 253]
REPEATS = {107: 98, 117: 116}


def _read(name: str, path: Path) -> pd.DataFrame:
    parsed, _ = read_source_file(FileSource(name=name, path=path))
    return make_records(parsed.records, source=name)[0]


def _review() -> dict[str, pd.DataFrame]:
    scopus = _read("scopus", DATA / "screening" / "asreview_scopus.ris")
    listing = _read("observatory", DATA / "reflist" / "observatory.txt")
    works = pd.concat([listing.iloc[[p for p in OBSERVATORY if p not in REPEATS]], scopus], ignore_index=True)
    ids = [f"O{p}" for p in OBSERVATORY if p not in REPEATS] + [f"S{i}" for i in range(6)]
    works.insert(0, "work_id", ids)
    # Screening, made for the test: S0 full text not retrieved, S1 excluded on its full text,
    # S2/S3/S5 and the 2016 entry excluded on title/abstract, the event awaits its full-text
    # decision, S4 included so that included works carry DOIs, authors and venues.
    decisions = {
        "O0": ("include", "included"), "O1": ("include", "included"), "O3": ("include", "included"),
        "O98": ("include", "included"), "O112": ("include", "included"), "O116": ("include", "included"),
        "O250": ("exclude", "published before 2018"), "O253": ("include", "awaiting"),
        "S0": ("include", "full text not retrieved"), "S1": ("include", "not about micro-credentials"),
        "S2": ("exclude", "not about micro-credentials"), "S3": ("exclude", "not about micro-credentials"),
        "S4": ("include", "included"), "S5": ("exclude", "not about micro-credentials"),
    }
    rows = []
    for work_id, (ta, outcome) in decisions.items():
        status = outcome if outcome in ("included", "awaiting") else "excluded"
        rows.append({"work_id": work_id, "title_abstract_decision": ta, "title_abstract_decided_by": "ana",
                     "full_text_decided_by": "ben" if ta == "include" and status != "awaiting" else None,
                     "status": status, "awaiting_stage": "full_text" if status == "awaiting" else None,
                     "excluded_at": None if status != "excluded" else ("title_abstract" if ta == "exclude" else "full_text"),
                     "exclusion_reason": outcome if status == "excluded" else None, "conflict": None})
    screened = pd.DataFrame(rows).merge(works[["work_id", "title", "doi"]], on="work_id")
    included = works[works["work_id"].isin(screened.loc[screened["status"] == "included", "work_id"])].copy()
    # Geography and quality, made for the test (what the screening stage would detect).
    places = {"O0": ("CA", "Americas; Northern America"), "O1": ("EU", "EU; Europe"), "O3": ("AU", "Australasia; Oceania")}
    included["countries_detected"] = included["work_id"].map(lambda w: places.get(w, (None, None))[0])
    included["regions"] = included["work_id"].map(lambda w: places.get(w, (None, None))[1])
    included["quality_level"] = ["grey literature"] * 6 + ["peer-reviewed"]
    included["sources"] = included["source"]
    # Codes, made for the test; the evidence quotes each work's title.
    codes = pd.DataFrame([
        ("O0", "RQ2", "quality_assurance", "quality_criteria", "Ontario Micro-credentials Quality Framework", 0.9),
        ("O1", "RQ1", "definitions", "eu_definition", "Council Recommendation on a European Approach to Microcredentials", 0.9),
        ("O1", "RQ1", "purposes", "lifelong_learning", "for Lifelong Learning and Employability", 0.8),
        ("O1", "RQ1", "purposes", "employability", "for Lifelong Learning and Employability", 0.8),
        ("O3", "RQ1", "referencing_cataloguing", "qualifications_framework_referencing",
         "National Micro-credentials Framework - Australia", 0.7),
        ("O98", "RQ1", "definitions", "definitional_debate", "Educational Credentials Come of Age", 0.5),
        ("O112", "RQ2", "platforms", "mooc_platforms", "Implementation of MOOCs for Microcredentials", 0.9),
        ("O112", "RQ2", "stakeholders", "partnerships", "European University Alliances", 0.6),
    ], columns=["work_id", "rq", "theme", "code", "evidence", "confidence"])
    log = pd.DataFrame([
        {"source": "scopus", "type": "file", "database": "Scopus", "platform": None, "format": "ris",
         "records_read": len(scopus), "query": None, "searched_on": "2026-11-20"},
        {"source": "observatory", "type": "file", "database": "Micro-Credential Observatory (NIDL)",
         "platform": "website", "format": "reflist", "records_read": len(OBSERVATORY), "query": None,
         "searched_on": "2026-11-20"},
    ])
    return {"works": works, "screened": screened, "included": included.reset_index(drop=True), "codes": codes,
            "log": log}


REVIEW = _review()
DEDUPE = {"records": 16, "works": 14}  # the two repeats merged (made for the test)


def test_the_review_is_built_from_the_real_files() -> None:
    assert len(REVIEW["works"]) == 14 and REVIEW["included"]["work_id"].tolist() == \
        ["O0", "O1", "O3", "O98", "O112", "O116", "S4"]
    assert REVIEW["included"].set_index("work_id").loc["S4", "doi"] == "10.1080/19490976.2018.1562268"


def test_prisma_sheet() -> None:
    rows = prisma(REVIEW["log"], DEDUPE, REVIEW["screened"]).rows()
    assert rows == [
        ("Identification", "Records from Scopus (database)", 6),
        ("Identification", "Records from Micro-Credential Observatory (NIDL) (other methods)", 10),
        ("Identification", "Records identified", 16),
        ("Identification", "Duplicate records removed", 2),
        ("Identification", "Records marked as ineligible by automation tools", 0),  # every decision is a reviewer's
        ("Screening", "Records screened (title/abstract)", 14),
        ("Screening", "Records excluded", 4),
        ("Screening", "Records excluded by reviewers", 4),
        ("Screening", "Records excluded: not about micro-credentials", 3),
        ("Screening", "Records excluded: published before 2018", 1),
        ("Screening", "Records awaiting a title/abstract decision", 0),
        ("Screening", "Reports sought for retrieval", 10),
        ("Screening", "Reports not retrieved", 1),
        ("Screening", "Reports assessed for eligibility", 9),
        ("Screening", "Reports excluded", 1),
        ("Screening", "Reports excluded: not about micro-credentials", 1),
        ("Screening", "Reports awaiting a full-text decision", 1),
        ("Included", "Studies included in the review", 7),
        ("Included", "Reports of included studies", 7),
    ]


@pytest.fixture(scope="module")
def sources() -> pd.DataFrame:
    return T.sources(REVIEW["included"], REVIEW["screened"])


def test_sources_sheet(sources: pd.DataFrame) -> None:
    assert sources.columns.tolist() == ["work_id", "title", "authors", "year", "venue", "doc_type", "doi", "url",
                                        "countries_detected", "regions", "quality_level", "sources",
                                        "title_abstract_decided_by", "full_text_decided_by"]
    assert sources[["work_id", "year", "doc_type"]].values.tolist() == [
        ["O1", 2023, "policy initiative"], ["O116", 2023, "journal article or commentary"],
        ["O112", 2023, "journal article or commentary"], ["O0", 2023, "policy initiative"],
        ["O3", 2022, "policy initiative"], ["S4", 2019, "review"], ["O98", 2018, "report"]]
    s4 = sources.set_index("work_id").loc["S4"]
    assert (s4["authors"], s4["venue"], s4["quality_level"]) == ("Dalton, A.; Mermier, C.; Zuhl, M.", "Gut Microbes",
                                                                 "peer-reviewed")
    assert set(sources["full_text_decided_by"]) == {"ben"}


def test_distribution_sheets(sources: pd.DataFrame) -> None:
    years = T.by_year(sources)
    assert years.columns.tolist() == ["year", "journal article or commentary", "policy initiative", "report", "review",
                                      "total"]
    assert years.values.tolist() == [["2018", 0, 0, 1, 0, 1], ["2019", 0, 0, 0, 1, 1], ["2022", 0, 1, 0, 0, 1],
                                     ["2023", 2, 2, 0, 0, 4]]
    types = T.by_type(sources)
    assert types.columns.tolist() == ["type", "sources", "share_percent"]
    assert types.values.tolist() == [["policy initiative", 3, 42.9], ["journal article or commentary", 2, 28.6],
                                     ["report", 1, 14.3], ["review", 1, 14.3]]
    regions = T.by_region(sources)
    assert regions.columns.tolist() == ["kind", "place", "sources"]
    assert regions.values.tolist() == [
        ["region", "no region detected", 4], ["region", "Americas", 1], ["region", "Australasia", 1],
        ["region", "EU", 1], ["region", "Europe", 1], ["region", "Northern America", 1], ["region", "Oceania", 1],
        ["country", "no country detected", 4], ["country", "AU", 1], ["country", "CA", 1], ["country", "EU", 1]]


def test_coding_sheets() -> None:
    included, codes = REVIEW["included"], REVIEW["codes"]
    matrix = T.coding_matrix(included, codes, BOOK).set_index("work_id")
    assert matrix.columns.tolist()[:3] == ["title", "RQ1.definitions", "RQ1.purposes"] and len(matrix.columns) == 18
    assert matrix.loc["O1", "RQ1.purposes"] == "employability; lifelong_learning"
    assert matrix.loc["O112", ["RQ2.platforms", "RQ2.stakeholders"]].tolist() == ["mooc_platforms", "partnerships"]
    assert matrix.loc["S4"].drop("title").isna().all()
    rq1 = T.rq_summary("RQ1", included, codes, BOOK)
    assert rq1.columns.tolist() == ["theme", "code", "definition", "sources", "share_percent", "exemplars"]
    assert len(rq1) == sum(len(t.codes) for t in BOOK.research_questions["RQ1"].themes.values()) == 27
    found = rq1[rq1["sources"] > 0].set_index("code")
    assert found[["theme", "sources", "share_percent"]].to_dict("index") == {
        "eu_definition": {"theme": "Definitions", "sources": 1, "share_percent": 14.3},
        "definitional_debate": {"theme": "Definitions", "sources": 1, "share_percent": 14.3},
        "employability": {"theme": "Purposes", "sources": 1, "share_percent": 14.3},
        "lifelong_learning": {"theme": "Purposes", "sources": 1, "share_percent": 14.3},
        "qualifications_framework_referencing": {"theme": "Referencing and cataloguing", "sources": 1,
                                                 "share_percent": 14.3}}
    # The evidence here is each work's title: nothing to quote (before: the title quoted as itself).
    assert found.loc["definitional_debate", "exemplars"] == ""


def test_gaps_sheet(sources: pd.DataFrame) -> None:
    gaps = T.gaps(REVIEW["included"], REVIEW["codes"], BOOK, sources)
    assert gaps.columns.tolist() == ["kind", "rq", "theme", "where", "sources", "detail"]
    assert gaps["kind"].value_counts().to_dict() == {"theme × region without sources": 31,
                                                     "theme × year without sources": 17,
                                                     "theme with few sources": 17}
    few = gaps[(gaps["kind"] == "theme with few sources") & (gaps["theme"] == "Definitions")]
    assert few[["rq", "sources", "detail"]].values.tolist() == [["RQ1", 2, "only 2 source(s)"]]
    definitions = gaps[(gaps["theme"] == "Definitions") & (gaps["kind"] == "theme × year without sources")]
    assert definitions["where"].tolist() == ["2019", "2022"]  # coded in 2018 (O98) and 2023 (O1)


def test_protocol_and_issuer_sheets() -> None:
    protocol = T.protocol_table(PROTOCOL, BOOK).set_index("key")["value"]
    assert protocol["codebook"] == "Micro-credentials in education and professional learning (version 1.1)"
    assert (protocol["codebook themes"], protocol["codebook codes"]) == ("17", "64")
    extraction = pd.DataFrame([{"issuer": "NIDL", "country": "Ireland", "credits": "ECTS", "source": "O112"},
                               {"issuer": "IB", "country": "Multiple", "credits": "ects", "source": "O116"}])
    table, compared = T.issuers(extraction, ("country", "credits", "cost", "source"))
    # Compared case-blind, spelt as the first issuer (by name) writes it; no client named.
    assert table.columns.tolist() == ["issuer", "country", "credits", "cost", "source"]
    assert compared.to_dict("records") == [
        {"field": "country", "issuers_reporting": 2, "shared": "", "differ": "IB: Multiple; NIDL: Ireland",
         "not_reported_by": "", "client": "", "client_compared": ""},
        {"field": "credits", "issuers_reporting": 2, "shared": "ects (IB, NIDL)", "differ": "", "not_reported_by": "",
         "client": "", "client_compared": ""},
        {"field": "cost", "issuers_reporting": 0, "shared": "", "differ": "", "not_reported_by": "IB; NIDL",
         "client": "", "client_compared": ""}]


def test_asreview_export_labels_every_screened_work() -> None:
    table = to_asreview(REVIEW["screened"], REVIEW["works"])
    assert table.columns.tolist() == ["work_id", "title", "abstract", "authors", "keywords", "year", "doi", "url",
                                      "label_included"]
    assert len(table) == 14
    assert table["label_included"].fillna("").value_counts().to_dict() == {"1": 7, "0": 6, "": 1}
    s2 = table.set_index("work_id").loc["S2"]
    assert s2["label_included"] == "0" and s2["abstract"].startswith("Objective: Irritable bowel syndrome")


@pytest.mark.parametrize("suffix, writer", [(".ris", to_ris), (".bib", to_bibtex)])
def test_exports_read_back_with_our_importers(tmp_path: Path, suffix: str, writer) -> None:
    path = tmp_path / f"included{suffix}"
    path.write_text(writer(REVIEW["included"]), encoding="utf-8")
    back = _read("back", path).set_index("title")
    included = REVIEW["included"].set_index("title")
    assert sorted(back.index) == sorted(included.index)
    assert back.loc["Exercise influence on the microbiome–gut–brain axis", ["doi", "authors", "year"]].tolist() == \
        ["10.1080/19490976.2018.1562268", "Dalton, A.; Mermier, C.; Zuhl, M.", 2019]
    assert back.loc["Ontario Micro-credentials Quality Framework", "year"] == 2023
    def values(frame: pd.DataFrame, column: str) -> dict:
        return {title: (None if pd.isna(v) else v) for title, v in frame[column].items()}

    url = "&doi=10.1080%2f19490976.2018.1562268&partnerID=40"  # verbatim in RIS; LaTeX's specials escaped in BibTeX
    assert (url if suffix == ".ris" else url.replace("&", r"\&").replace("%", r"\%")) in path.read_text(encoding="utf-8")
    for column in ("doi", "authors", "year", "venue", "pages", "url"):
        assert values(back, column) == values(included, column), column
    # Scopus's "Review" travels as its kind (JOUR, @article): an M3 on a JOUR record is a child note in Zotero.
    assert back.loc["Exercise influence on the microbiome–gut–brain axis", "doc_type"] == "journal article"


def test_csl_json_and_catalogue(sources: pd.DataFrame) -> None:
    import json

    items = json.loads(to_csl_json(REVIEW["included"]))
    assert [i["id"] for i in items] == REVIEW["included"]["work_id"].tolist()
    assert items[-1]["author"][0] == {"family": "Dalton", "given": "A."} and items[-1]["type"] == "article-journal"
    text = catalogue_markdown(sources, {"O0", "O1", "O3", "O98"}, "Catalogue")
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == ["# Catalogue", "## Policy initiative (3)", "### 2023", "### 2022",
                        "## Journal article or commentary (2)", "### 2023", "## Report (1)", "### 2018",
                        "## Review (1)", "### 2019"]
    assert "7 included sources, by category and year. 3 are new since the previous run (marked ★)." in text
    assert "- [Exercise influence on the microbiome–gut–brain axis](https://doi.org/10.1080/19490976.2018.1562268) ★" \
        in text


def test_report_states_the_numbers(sources: pd.DataFrame) -> None:
    flow = prisma(REVIEW["log"], DEDUPE, REVIEW["screened"])
    rq = {name: T.rq_summary(name, REVIEW["included"], REVIEW["codes"], BOOK) for name in ("RQ1", "RQ2")}
    text = report_markdown(protocol=PROTOCOL, search_log=REVIEW["log"], p=flow, rq_tables=rq,
                           gaps=T.gaps(REVIEW["included"], REVIEW["codes"], BOOK, sources), sources=sources,
                           codebook_version=BOOK.version, issuers=pd.DataFrame())
    assert "16 records were identified (6 from databases, 10 from other methods). After removing 2 duplicates, " \
           "14 records were screened and 4 excluded. 10 reports were sought, 1 not retrieved, 9 assessed and 1 " \
           "excluded; 7 studies are included." in text
    assert "- Scopus (scopus, ris) on 2026-11-20: 6 records." in text
    assert "- **Definitions**: 2 code(s) found; the most frequent is definitional_debate (1 sources, 14.3% of the " \
           "included sources)." in text
    assert "- **Stacking options**: no included source was coded with this theme." in text
    assert text.count("| ") > 7  # the appendix table lists the 7 sources
