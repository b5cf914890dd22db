"""The stage table: the run order is derived from what each stage reads, mistakes in the table
are caught, and every declared stage has a runner and a folder."""

from __future__ import annotations

import dataclasses

import pytest

from pipeline.runner import STAGE_RUNNERS
from pipeline.stage_table import INCLUDED, STAGE_TABLE, WORKS, Output, Stage, ordered_stages
from pipeline.store import STAGES


def test_the_run_order_follows_the_reads() -> None:
    assert [stage.name for stage in ordered_stages()] == ["search", "dedupe", "screen", "code", "synthesize", "publish"]
    # Declared in reverse, every stage still comes after the stages it reads: the order is derived,
    # not written. Only stages that read nothing of each other follow the table (publish reads no
    # file of synthesize, so reversed it comes first).
    assert [s.name for s in ordered_stages(tuple(reversed(STAGE_TABLE)))] == \
        ["search", "dedupe", "screen", "code", "publish", "synthesize"]


def test_every_stage_has_a_runner_and_a_folder() -> None:
    assert set(STAGE_RUNNERS) == {stage.name for stage in STAGE_TABLE}
    assert STAGES == {"search": "01_search", "dedupe": "02_dedupe", "screen": "03_screen", "code": "04_code",
                      "synthesize": "05_synthesis", "publish": "06_site"}
    assert WORKS.describe() == "02_dedupe/works.csv" and INCLUDED.stage == "screen"


def test_reads_of_a_file_a_stage_does_not_write_are_not_allowed() -> None:
    for stage in STAGE_TABLE:
        for item in stage.reads:
            if isinstance(item, Output) and item.name != "manifest.json":
                writer = next(s for s in STAGE_TABLE if s.name == item.stage)
                assert item.name in {w.rstrip("?*") for w in writer.writes}, (stage.name, item)


def test_a_cycle_or_an_unknown_stage_is_a_mistake_in_the_table() -> None:
    a = Stage("a", "01_a", reads=(Output("b", "x.csv"),), writes=("y.csv",), sections=(), summary="")
    b = Stage("b", "02_b", reads=(Output("a", "y.csv"),), writes=("x.csv",), sections=(), summary="")
    with pytest.raises(ValueError, match="a cycle through a"):
        ordered_stages((a, b))
    with pytest.raises(ValueError, match="a reads from unknown stage b"):
        ordered_stages((a,))
    fixed = dataclasses.replace(a, reads=())
    assert [s.name for s in ordered_stages((b, fixed))] == ["a", "b"]


@pytest.mark.parametrize("document", ["README.md", "docs/ARCHITECTURE.md"])
def test_the_documented_stage_table_is_the_declared_one(document: str) -> None:
    from pathlib import Path

    from pipeline.stage_table import markdown_table

    text = (Path(__file__).parents[1] / document).read_text(encoding="utf-8")
    block = text.split("<!-- stage-table:start -->\n", 1)[1].split("<!-- stage-table:end -->", 1)[0]
    assert block == markdown_table(), f"{document}: regenerate the table with `python -m pipeline.stage_table`"
