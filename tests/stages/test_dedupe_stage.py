"""The dedupe stage as a whole: its tables, stable work ids, reviewer answers, and its errors.

Records are real (copper and cytology sets of tests/data/dedupe); reviewer answers and broken
inputs are made in the tests, as each says.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import DedupeConfig, load_protocol
from pipeline.errors import ConfigError, StageError
from pipeline.records import RECORD_COLUMNS
from pipeline.stages.dedupe import PAIR_COLUMNS, WORK_COLUMNS, dedupe

from .test_dedupe_gold import gold_set, records_of

KAKAIRE = ["52", "201", "202", "312", "313"]  # copper: one trial exported five times
DESSAUER = ["47", "181", "296"]  # copper: one study exported three times
SINGLE = ["258"]  # copper: a unique work


def copper(*ids: str) -> pd.DataFrame:
    return records_of("copper", *ids)


def work_of(result, native_id: str, name: str = "copper") -> str:
    records = result.records
    return records.loc[records["record_id"] == f"{name}:{native_id}", "work_id"].item()


def test_tables_have_their_columns_and_one_row_per_work() -> None:
    records = copper(*KAKAIRE, *DESSAUER, *SINGLE)
    result = dedupe(records, DedupeConfig())
    assert list(result.records.columns) == [*RECORD_COLUMNS, "work_id"]
    assert result.records["record_id"].tolist() == records["record_id"].tolist()  # input order kept
    assert list(result.works.columns) == list(WORK_COLUMNS)
    assert list(result.pairs.columns) == list(PAIR_COLUMNS)
    assert sorted(result.works["n_records"]) == [1, 3, 5]
    assert result.works["work_id"].str.fullmatch(r"W[0-9a-f]{12}").all()
    assert set(result.pairs["decision"]) <= {"same", "different", "uncertain"}


def test_a_work_carries_the_best_value_of_each_field_and_its_members() -> None:
    result = dedupe(copper(*KAKAIRE), DedupeConfig())
    work = result.works.iloc[0]
    assert work["n_records"] == 5
    assert work["record_ids"] == "copper:201; copper:202; copper:312; copper:313; copper:52"
    assert work["sources"] == "copper"
    assert work["doi"] == "10.1097/aog.0000000000001087"
    assert work["year"] == 2015
    assert work["venue"] == "Obstetrics and gynecology"  # 2 of 5; "Obstet Gynecol" once
    # two spellings twice each: the longer (with its colon) wins
    assert work["title"] == ("Intrauterine Contraception Among Women Living With Human Immunodeficiency Virus: "
                             "A Randomized Controlled Trial")
    assert work["merged_from"] is None and work["split_from"] is None


def test_every_same_pair_names_its_rule() -> None:
    pairs = dedupe(copper(*KAKAIRE, *DESSAUER), DedupeConfig()).pairs
    same = pairs[pairs["decision"] == "same"]
    assert len(same) == 10 + 3  # every pair within each work
    assert same["rule"].str.startswith("same: ").all()
    assert (same["title"] >= 0.9).all()


def test_results_do_not_depend_on_the_order_of_the_records() -> None:
    records = copper(*KAKAIRE, *DESSAUER, *SINGLE)
    first = dedupe(records, DedupeConfig())
    second = dedupe(records.iloc[::-1].reset_index(drop=True), DedupeConfig())
    pd.testing.assert_frame_equal(first.works, second.works)
    pd.testing.assert_frame_equal(first.pairs, second.pairs)


def test_work_ids_survive_a_rerun_with_added_records() -> None:
    before = dedupe(copper("201", "202", "181", "296", *SINGLE), DedupeConfig())
    previous = before.records[["record_id", "work_id"]]
    # "52" sorts before "201" and would name the work on a first run; "47" joins the other work;
    # the cytology record is a new work.
    added = pd.concat([copper(*KAKAIRE, *DESSAUER, *SINGLE), records_of("cytology_screening", "id_0000001")],
                      ignore_index=True)
    after = dedupe(added, DedupeConfig(), previous=previous)
    for record_id, work_id in previous.itertuples(index=False):
        assert after.records.loc[after.records["record_id"] == record_id, "work_id"].item() == work_id
    assert work_of(after, "52") == work_of(before, "201")
    assert work_of(after, "47") == work_of(before, "181")
    new = work_of(after, "id_0000001", "cytology_screening")
    assert new not in set(previous["work_id"])
    assert after.works["merged_from"].isna().all()


def test_when_two_earlier_works_merge_the_smallest_id_is_kept_and_the_other_reported() -> None:
    records = copper(*KAKAIRE, *SINGLE)
    before = dedupe(records, DedupeConfig())
    old_a, old_b = work_of(before, "52"), work_of(before, "258")
    # made: a reviewer says the unique record 258 is the same work as 52
    answers = pd.DataFrame({"record_id_a": ["copper:258"], "record_id_b": ["copper:52"], "answer": ["same"]})
    after = dedupe(records, DedupeConfig(), previous=before.records[["record_id", "work_id"]], overrides=answers)
    kept, gone = sorted([old_a, old_b])
    assert set(after.records["work_id"]) == {kept}
    assert after.works.set_index("work_id").at[kept, "merged_from"] == gone


def test_reviewer_different_splits_a_work_and_the_larger_part_keeps_its_id() -> None:
    records = copper(*KAKAIRE)
    before = dedupe(records, DedupeConfig())
    old = work_of(before, "52")
    # made: a reviewer says 52 is a different work from every other copy
    answers = pd.DataFrame({"record_id_a": ["copper:52"] * 4, "record_id_b": [f"copper:{i}" for i in KAKAIRE[1:]],
                            "answer": ["different"] * 4})
    after = dedupe(records, DedupeConfig(), previous=before.records[["record_id", "work_id"]], overrides=answers)
    assert work_of(after, "201") == old
    assert work_of(after, "52") != old
    works = after.works.set_index("work_id")
    assert works.at[work_of(after, "52"), "split_from"] == old
    pairs = after.pairs[(after.pairs["record_id_a"] == "copper:201") & (after.pairs["record_id_b"] == "copper:52")]
    assert pairs[["decision", "rule"]].values.tolist() == [["different", "reviewer: different"]]


def test_reviewer_different_holds_even_when_other_copies_link_the_two() -> None:
    # made: 201 and 313 are kept apart; the three other copies match both, yet never join them
    answers = pd.DataFrame({"record_id_a": ["copper:313"], "record_id_b": ["copper:201"], "answer": ["Different "]})
    result = dedupe(copper(*KAKAIRE), DedupeConfig(), overrides=answers)
    assert work_of(result, "201") != work_of(result, "313")
    assert result.uncertain["rule"].str.contains("not joined").any()


def test_reviewer_same_joins_records_no_rule_would_and_says_so() -> None:
    answers = pd.DataFrame({"record_id_a": ["copper:47"], "record_id_b": ["copper:258"], "answer": ["same"]})
    result = dedupe(copper("47", *SINGLE), DedupeConfig(), overrides=answers)
    assert work_of(result, "47") == work_of(result, "258")
    assert result.pairs[["blocked_by", "decision", "rule"]].values.tolist() == [["reviewer", "same", "reviewer: same"]]


def test_answers_about_records_not_in_this_run_are_ignored() -> None:
    answers = pd.DataFrame({"record_id_a": ["copper:47"], "record_id_b": ["gone:1"], "answer": ["same"]})
    result = dedupe(copper("47"), DedupeConfig(), overrides=answers)
    assert len(result.works) == 1 and result.pairs.empty


@pytest.mark.parametrize(("answers", "message"), [
    (pd.DataFrame({"record_id_a": ["copper:47"], "record_id_b": ["copper:258"], "answer": ["maybe"]}),
     r'dedupe overrides, row 2: answer "maybe" is not one of: same, different'),
    (pd.DataFrame({"record_id_a": ["copper:47"], "answer": ["same"]}),
     r"dedupe overrides: missing column\(s\) record_id_b"),
    (pd.DataFrame({"record_id_a": ["copper:47"], "record_id_b": [None], "answer": ["same"]}),
     r"dedupe overrides, row 2: a record id is empty"),
])
def test_invalid_reviewer_answers_are_reported_with_their_row(answers: pd.DataFrame, message: str) -> None:
    with pytest.raises(StageError, match=message):
        dedupe(copper("47"), DedupeConfig(), overrides=answers)


def test_duplicate_record_ids_are_an_error() -> None:
    records = copper("47").iloc[[0, 0]]  # made: one record twice
    with pytest.raises(StageError, match=r'record_id "copper:47" is used by more than one record'):
        dedupe(records, DedupeConfig())


def test_a_record_table_without_its_columns_is_an_error() -> None:
    with pytest.raises(StageError, match=r"the record table lacks column\(s\) title"):
        dedupe(copper("47").drop(columns=["title"]), DedupeConfig())


def test_thresholds_out_of_order_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"review_title \(0.95\) ≤ similar_title \(0.9\) ≤ same_title"):
        dedupe(copper("47"), DedupeConfig(review_title=0.95))


def test_dedupe_section_is_validated_from_the_protocol(tmp_path: Path) -> None:
    # made: a minimal protocol with an out-of-range threshold
    path = tmp_path / "review.yaml"
    path.write_text("id: t\ntitle: T\nresearch_questions: {RQ1: q}\n"
                    "sources: [{name: oa, type: openalex, query: x}]\n"
                    "dedupe: {same_title: 1.5, max_year_gap: 2}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"dedupe.same_title: 1.5 is out of range: must be between 0.5 and 1.0"):
        load_protocol(path, root=tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("1.5", "0.97"), encoding="utf-8")
    config = load_protocol(path, root=tmp_path).dedupe
    assert (config.same_title, config.max_year_gap, config.similar_title) == (0.97, 2, 0.90)


def test_no_records_give_empty_tables() -> None:
    result = dedupe(gold_set("copper").records.iloc[:0], DedupeConfig())
    assert result.records.empty and result.works.empty and result.pairs.empty
    assert list(result.works.columns) == list(WORK_COLUMNS)


def test_disabled_dedupe_keeps_every_record_as_its_own_work() -> None:
    records = copper("258", "259", "260")
    result = dedupe(pd.concat([records, records.assign(record_id=records["record_id"] + "-copy")]),
                    DedupeConfig(enabled=False))
    assert len(result.works) == 6 and result.pairs.empty
    assert result.records["work_id"].is_unique
