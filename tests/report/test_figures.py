"""The synthesis charts: bars of the right heights, stacked in order, with room above the tallest."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.report.figures import HEADROOM, bar_chart, stacked_years

# Included sources per year by type, as T.by_year gives them (the demo's first three years).
YEARS = pd.DataFrame({"event": [0, 0, 4], "journal article or commentary": [2, 4, 6], "report": [2, 10, 12]},
                     index=pd.Index([2018, 2019, 2020], name="year"))


def test_stacked_years_stacks_each_type_on_the_one_before() -> None:
    ax = stacked_years(YEARS, "Included sources per year, by type").axes[0]
    bars = [(round(p.get_x() + p.get_width() / 2), p.get_y(), p.get_height()) for p in ax.patches]
    assert bars == [(0, 0, 0), (1, 0, 0), (2, 0, 4),            # event
                    (0, 0, 2), (1, 0, 4), (2, 4, 6),            # journal articles, on top of events
                    (0, 2, 2), (1, 4, 10), (2, 10, 12)]         # reports, on top of both
    assert ax.get_ylim() == pytest.approx((0, 22 * HEADROOM))  # the tallest bar (2020: 22) is not cut
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2018", "2019", "2020"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(YEARS.columns)
    assert ax.get_xlabel() == "year" and ax.get_ylabel() == "sources"


def test_bar_chart_longest_on_top_with_room_for_its_value() -> None:
    ax = bar_chart(pd.Series({"Europe": 120, "Oceania": 14, "Africa": 3}), "Included sources per region", "sources").axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Africa", "Oceania", "Europe"]
    assert [p.get_width() for p in ax.patches] == [3, 14, 120]
    assert ax.get_xlim()[1] == pytest.approx(120 * HEADROOM)
    assert [t.get_text() for t in ax.texts] == [" 3", " 14", " 120"]


@pytest.mark.parametrize("chart", [lambda: stacked_years(YEARS.iloc[:0], "t"), lambda: bar_chart(pd.Series(dtype=int), "t", "x")])
def test_no_sources_says_so(chart) -> None:
    assert [t.get_text() for t in chart().axes[0].texts] == ["no sources"]
