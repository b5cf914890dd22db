"""The PRISMA 2020 boxes beyond one combined flow: automation tools apart from reviewers,
registers, the other-methods flow (citation searching among them), reports of included studies;
each with counts that reconcile, and a StageError naming the step when they do not.

The review is made for the test (hand-checkable): a database, a register, a reference list and a
citation search; 10 records, 1 duplicate, 9 works.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.errors import StageError
from pipeline.report.flow import prisma_figure
from pipeline.stages.synthesis.prisma import check, prisma

LOG = pd.DataFrame([
    {"source": "scopus", "type": "file", "database": "Scopus", "platform": "Elsevier", "format": "ris", "records_read": 4},
    {"source": "ctgov", "type": "file", "database": "ClinicalTrials.gov register", "platform": "NLM", "format": "csv",
     "records_read": 1},
    {"source": "obs", "type": "file", "database": "Observatory", "platform": "website", "format": "reflist", "records_read": 3},
    {"source": "citations", "type": "citations", "database": "Citation searching (OpenAlex)",
     "platform": "citation searching", "format": "citations", "records_read": 2},
])
DEDUPE = {"records": 10, "works": 9}
# W1-W4 from the database and register (W4 also from citation searching), W5-W9 only from other methods.
SCREENED = pd.DataFrame({
    "work_id": [f"W{i}" for i in range(1, 10)],
    "sources": ["scopus", "scopus", "ctgov", "scopus; citations", "obs", "obs", "obs", "citations", "obs"],
    "title_abstract_decision": ["exclude", "exclude", "include", "include", "exclude", "exclude", "include", "include",
                                "include"],
    "title_abstract_decided_by": ["criteria", "ana", "criteria", "ana", "criteria", "criteria", "ana", "ana", "ana"],
    "status": ["excluded", "excluded", "included", "excluded", "excluded", "excluded", "included", "excluded",
               "included"],
    "awaiting_stage": [None] * 9,
    "excluded_at": ["title_abstract", "title_abstract", None, "full_text", "title_abstract", "title_abstract", None,
                    "full_text", None],
    "exclusion_reason": ["published before 2018", "not relevant", None, "wrong population", "not relevant",
                         "published before 2018", None, "full text not retrieved", None],
    "conflict": [None] * 9,
})


def flow():
    result = prisma(LOG, DEDUPE, SCREENED)
    check(result, DEDUPE, included_rows=3)
    return result


def test_registers_and_citation_searching_are_identified_apart() -> None:
    p = flow()
    assert p.databases == {"Scopus": 4}
    assert p.registers == {"ClinicalTrials.gov register": 1}
    assert p.other_methods == {"Observatory": 3, "Citation searching (OpenAlex)": 2}
    assert p.records_identified == 10
    rows = {item: n for _, item, n in p.rows()}
    assert rows["Records from ClinicalTrials.gov register (register)"] == 1
    assert rows["Records from Citation searching (OpenAlex) (other methods)"] == 2


def test_automation_tools_apart_from_reviewers() -> None:
    p = flow()
    assert (p.records_excluded, p.records_marked_ineligible_by_automation, p.records_excluded_by_reviewers) == (4, 3, 1)
    assert p.records_marked_ineligible_by_automation_by_reason == {"published before 2018": 2, "not relevant": 1}
    assert p.records_excluded_by_reviewers_by_reason == {"not relevant": 1}
    rows = {item: n for _, item, n in p.rows()}
    assert rows["Records marked as ineligible by automation tools"] == 3 and rows["Records excluded by reviewers"] == 1


def test_other_methods_flow_holds_the_works_found_only_by_other_methods() -> None:
    p = flow()
    other = p.other_methods_flow
    # W5-W9: W4 has a database record as well, so it stays in the database flow.
    assert other["records_identified"] == 5 and other["records_screened"] == 5
    assert (other["records_excluded"], other["records_marked_ineligible_by_automation"],
            other["records_excluded_by_reviewers"]) == (2, 2, 0)
    assert (other["reports_sought"], other["reports_not_retrieved"], other["reports_assessed"],
            other["reports_excluded"], other["studies_included"]) == (3, 1, 2, 0, 2)
    database = p.database_flow()
    assert (database["records_screened"], database["records_excluded"], database["reports_sought"],
            database["reports_excluded"], database["studies_included"]) == (4, 2, 2, 1, 1)
    assert database["reports_excluded_by_reason"] == {"wrong population": 1}
    # The two columns add up to the totals.
    assert database["studies_included"] + other["studies_included"] == p.studies_included == 3


def test_reports_not_retrieved_and_reports_of_included_studies() -> None:
    p = flow()
    assert p.reports_not_retrieved == 1 and p.other_methods_flow["reports_not_retrieved"] == 1
    assert p.reports_of_included_studies == p.studies_included == 3
    rows = {item: n for _, item, n in p.rows()}
    assert rows["Reports not retrieved"] == 1 and rows["Reports of included studies"] == 3


def test_the_diagram_draws_each_new_box() -> None:
    fig = prisma_figure(flow())
    ax = fig.axes[0]
    boxes = {p.get_gid() for p in ax.patches if str(p.get_gid()).startswith("box:")}
    assert {"box:other screened", "box:other excluded", "box:other sought", "box:other not retrieved",
            "box:other assessed", "box:other reports excluded"} <= boxes and len(boxes) == 16
    drawn = "\n".join(t.get_text() for t in ax.texts)
    assert "Records identified from registers (n = 1)" in drawn
    assert "Records marked as ineligible by automation tools (n = 1)" in drawn  # W1, the database flow's
    assert "marked as ineligible by automation tools (n = 2)" in drawn  # W5, W6 in the other-methods flow
    assert "Records screened (title/abstract) (n = 3)" in drawn  # 4 database works − 1 by automation
    assert "Works found only by other methods, screened (n = 5)" in drawn
    assert "Reports of included studies (n = 3)" in drawn and "Citation searching (OpenAlex) (n = 2)" in drawn
    renderer = fig.canvas.get_renderer()
    extents = {p.get_gid(): p.get_window_extent(renderer) for p in ax.patches if str(p.get_gid()).startswith("box:")}
    for a in extents:
        for b in extents:
            assert a == b or not extents[a].overlaps(extents[b]), (a, b)


def test_counts_that_do_not_reconcile_name_the_step() -> None:
    broken = prisma(LOG, DEDUPE, SCREENED)
    broken.records_excluded_by_reviewers = 2
    with pytest.raises(StageError) as err:
        check(broken, DEDUPE)
    assert "at automation: records excluded = marked ineligible by automation tools + excluded by reviewers, " \
           "but 4 ≠ 5" in str(err.value)
    broken = prisma(LOG, DEDUPE, SCREENED)
    broken.other_methods_flow["reports_assessed"] = 3
    with pytest.raises(StageError) as err:
        check(broken, DEDUPE)
    assert "at other methods, retrieval: sought = not retrieved + assessed, but 3 ≠ 4" in str(err.value)


def test_updated_review_previous_plus_new_is_the_total() -> None:
    # The previous version (MADE): W3 by its work id, and a study matched by DOI to none of today's.
    previous = pd.DataFrame({"work_id": ["W3", "old-1"], "doi": [None, "10.1000/previous-only"]})
    p = prisma(LOG, DEDUPE, SCREENED, previous=previous)
    check(p, DEDUPE, included_rows=3)
    # Included now: W3, W7, W9; W3 was in the previous version, so 2 are new; 2 previous + 2 new = 4.
    assert (p.previous_studies, p.new_studies_included, p.total_studies_included) == (2, 2, 4)
    rows = {item: n for _, item, n in p.rows()}
    assert rows["Studies included in the previous version of the review"] == 2
    assert rows["New studies included in the review"] == 2 and rows["Total studies included in the review"] == 4
    fig = prisma_figure(p)
    drawn = "\n".join(t.get_text() for t in fig.axes[0].texts)
    assert "Studies included in previous version of review (n = 2)" in drawn
    assert "New studies included in review (n = 2)" in drawn and "Total studies included in review (n = 4)" in drawn
    renderer = fig.canvas.get_renderer()
    extents = {q.get_gid(): q.get_window_extent(renderer) for q in fig.axes[0].patches if str(q.get_gid()).startswith("box:")}
    assert {"box:previous", "box:total"} <= set(extents)
    for a in extents:
        for b in extents:
            assert a == b or not extents[a].overlaps(extents[b]), (a, b)
    p.total_studies_included = 5
    with pytest.raises(StageError) as err:
        check(p, DEDUPE)
    assert "at updated review: total studies = studies in the previous version + new studies, but 5 ≠ 4" in str(err.value)
