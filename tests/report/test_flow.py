"""The PRISMA diagram is readable: every text inside its box, no boxes overlapping, every count drawn."""

from __future__ import annotations

from itertools import combinations

import pytest
from matplotlib.patches import Rectangle

from pipeline.report.flow import prisma_figure
from pipeline.stages.synthesis.prisma import Prisma

# The demo's counts (outputs/demo/05_synthesis/prisma.json), and a made-up flow with many long
# names to check that boxes grow with their text and lists are cut with a "… n more" line.
DEMO = Prisma(databases={"Scopus": 6, "Embase": 12, "PubMed": 12},
              other_methods={"Micro-Credential Observatory (NIDL)": 321, "Issuer and observatory web pages": 2},
              records_identified=353, duplicates_removed=13, records_screened=340, records_excluded=108,
              records_excluded_by_reason={"not about micro-credentials": 88, "published before 2018": 19,
                                          "not a source type we review": 1},
              awaiting_title_abstract=0, reports_sought=232, reports_not_retrieved=1, reports_assessed=231,
              reports_excluded=0, reports_excluded_by_reason={}, awaiting_full_text=1, studies_included=230)
CROWDED = Prisma(databases={f"Database number {i} with a rather long platform name (EBSCOhost)": i for i in range(1, 12)},
                 other_methods={"Micro-Credential Observatory (National Institute for Digital Learning, Dublin)": 321},
                 records_identified=387, duplicates_removed=40, records_screened=347, records_excluded=200,
                 records_excluded_by_reason={f"reason {i}: " + "not about the topic of the review " * 2: 20
                                             for i in range(10)},
                 awaiting_title_abstract=7, reports_sought=140, reports_not_retrieved=12, reports_assessed=128,
                 reports_excluded=100, reports_excluded_by_reason={"wrong population": 60, "wrong design": 40},
                 awaiting_full_text=3, studies_included=25)


@pytest.mark.parametrize("flow", [DEMO, CROWDED], ids=["demo", "crowded"])
def test_texts_fit_their_boxes_and_boxes_do_not_overlap(flow: Prisma) -> None:
    fig = prisma_figure(flow)
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    boxes = {p.get_gid(): p.get_window_extent(renderer) for p in ax.patches if p.get_gid()}
    texts = {t.get_gid(): t for t in ax.texts if t.get_gid()}
    page = fig.bbox
    assert len([g for g in boxes if g.startswith("box:")]) == 10
    for gid, text in texts.items():
        box = boxes[gid.replace("bandtext:", "band:") if gid.startswith("band") else gid.replace("text:", "box:")]
        extent = text.get_window_extent(renderer)
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1 and box.y0 <= extent.y0 and extent.y1 <= box.y1, gid
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1, gid
    for (a, first), (b, second) in combinations(boxes.items(), 2):
        assert not first.overlaps(second), (a, b)
    drawn = "\n".join(t.get_text() for t in ax.texts)
    for n in (flow.records_screened, flow.records_excluded, flow.reports_sought, flow.reports_not_retrieved,
              flow.reports_assessed, flow.reports_excluded, flow.studies_included, flow.duplicates_removed):
        assert f"(n = {n})" in drawn
    assert all(isinstance(p, Rectangle) for p in ax.patches if str(p.get_gid()).startswith("box:"))


def test_long_lists_end_with_the_rest_counted() -> None:
    drawn = "\n".join(t.get_text() for t in prisma_figure(CROWDED).axes[0].texts)
    assert "… 3 more (n = 30)" in drawn  # databases 9, 10, 11
    assert "… 2 more (n = 40)" in drawn  # reasons 8, 9
    assert "Reports excluded (n = 0)\n" not in drawn and "awaiting a decision (n = 7)" in drawn
