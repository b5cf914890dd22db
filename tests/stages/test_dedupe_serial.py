"""Issue 16: serial items, issues and page ranges, folding of every script, refused pairs not reviewed.

Real records where the shared data has the pattern (tests/data/dedupe/PROVENANCE.md):
special_cases holds a recurring conference-track introduction (HICSS 2021 and 2022), respiratory a
duplicate whose author list is mojibake ("JosÃ© Roberto"), and the Meijboom screening set three
records with Cyrillic authors and journal names (tests/data/dedupe/cyrillic/). The shared data has
no "Editor's Comments" across issues, no Cyrillic or Chinese *title*, no mojibake *title* and no
two records of one volume with different issues: those tests build minimal records from a real
one and say which fields were made.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.config import DedupeConfig
from pipeline.records import make_records
from pipeline.runner.dedupe import review_table
from pipeline.stages.dedupe import dedupe, review_pairs
from pipeline.stages.dedupe.fold import fold, repair
from pipeline.stages.dedupe.normalise import normal_title

from .test_dedupe_gold import DATA, records_of


def made(rows: list[dict], prefix: str = "made") -> pd.DataFrame:
    """Records built here (each test says from which real record), ids made:0, made:1, …"""
    records, _warnings = make_records(rows, source=prefix, native_ids=[str(i) for i in range(len(rows))])
    return records


def decisions(records: pd.DataFrame) -> dict[tuple[str, str], tuple[str, str]]:
    """(record_id_a, record_id_b) → (decision, rule) for every pair the stage compared."""
    pairs = dedupe(records, DedupeConfig()).pairs
    return {(a, b): (d, r) for a, b, d, r in pairs[["record_id_a", "record_id_b", "decision", "rule"]].itertuples(index=False)}


def works(records: pd.DataFrame) -> int:
    return len(dedupe(records, DedupeConfig()).works)


# ---------------------------------------------------------------------------------------------
# Serial items


def hicss() -> pd.DataFrame:
    """special_cases 3 and 4 (real): "Introduction to the Minitrack on Crowdsourcing and Digital
    Workforce in the Gig Economy", HICSS 2021 and 2022, same three authors, each with its DOI."""
    return records_of("special_cases", "id_0000003", "id_0000004")


def test_recurring_conference_track_introduction_is_two_works() -> None:
    records = hicss()
    found = decisions(records)
    assert found == {("special_cases:id_0000003", "special_cases:id_0000004"): (
        "different", "refuse: serial title (it recurs in the venue or series); year, venue, volume, issue or pages "
                     "differ")}
    assert works(records) == 2


def test_a_serial_item_without_its_doi_goes_to_a_reviewer_not_into_either_work() -> None:
    # A third record of the 2022 introduction as a database without DOIs would give it (made from
    # special_cases 4: DOI removed): the same year, but nothing that places it in an issue or pages.
    copy = records_of("special_cases", "id_0000004").assign(record_id="special_cases:copy", doi=None)
    records = pd.concat([hicss(), copy], ignore_index=True)
    found = decisions(records)
    assert found[("special_cases:copy", "special_cases:id_0000004")][0] == "uncertain"
    assert found[("special_cases:copy", "special_cases:id_0000004")][1].startswith("uncertain: serial title")
    assert found[("special_cases:copy", "special_cases:id_0000003")][0] == "different"
    assert works(records) == 3
    result = dedupe(records, DedupeConfig())
    assert list(zip(result.to_review["record_id_a"], result.to_review["record_id_b"], strict=True)) == [
        ("special_cases:copy", "special_cases:id_0000004")]


def test_a_serial_item_listed_twice_with_equal_dois_is_one_work() -> None:
    # special_cases 4 and a second export of it (made: the DOI upper-case, as in the shared file).
    copy = records_of("special_cases", "id_0000004").assign(record_id="special_cases:copy",
                                                           doi="10.24251/HICSS.2022.544")
    records = pd.concat([hicss(), copy], ignore_index=True)
    assert decisions(records)[("special_cases:copy", "special_cases:id_0000004")] == ("same", "same: DOI and title agree")
    assert works(records) == 2


EDITOR = {"title": "Editor's Comments", "authors": ["Rai, Arun"], "venue": "MIS Quarterly", "year": "2019",
          "volume": "43"}


def test_editors_comments_of_two_issues_of_one_volume_are_two_works() -> None:
    # Made (the shared sets have no serial editorial): issues 2 and 3 of one volume, front pages.
    records = made([{**EDITOR, "issue": "2", "pages": "iii-vi"}, {**EDITOR, "issue": "3", "pages": "iii-vii"}])
    assert decisions(records)[("made:0", "made:1")] == (
        "different", "refuse: serial title (it recurs in the venue or series); year, venue, volume, issue or pages "
                     "differ")
    assert works(records) == 2


def test_different_issues_of_one_volume_are_refused() -> None:
    # Made: one title in issues 2 and 3 of one volume, by different authors (so not a serial item);
    # no pages. Before issue 16 nothing compared issues.
    base = {"title": "Research commentary on digital platform ecosystems", "venue": "MIS Quarterly",
            "year": "2019", "volume": "43"}
    records = made([{**base, "issue": "2", "authors": ["Rai, Arun"]},
                    {**base, "issue": "3", "authors": ["Tiwana, Amrit"]}])
    assert decisions(records)[("made:0", "made:1")] == ("different", "refuse: issues of one volume differ")


def test_editors_comments_without_issue_or_pages_are_not_merged_into_either_issue() -> None:
    # Made: the two issues above, and a third record giving only the volume (made:2).
    records = made([{**EDITOR, "issue": "2", "pages": "iii-vi"}, {**EDITOR, "issue": "3", "pages": "iii-vii"},
                    EDITOR])
    found = decisions(records)
    assert found[("made:0", "made:2")][0] == found[("made:1", "made:2")][0] == "uncertain"
    assert works(records) == 3


def test_editorial_on_pages_3_8_and_3_4_under_two_dois_is_two_works() -> None:
    # Made (the issue's pattern): same title, author, venue, volume; pages 3-8 against 3-4; two DOIs.
    base = {"title": "Editorial Introduction", "authors": ["Zwass, Vladimir"], "year": "2015", "volume": "32",
            "venue": "Journal of Management Information Systems"}
    records = made([{**base, "pages": "3-8", "doi": "10.1080/07421222.2015.1"},
                    {**base, "pages": "3-4", "doi": "10.1080/07421222.2015.2"}])
    assert decisions(records)[("made:0", "made:1")][0] == "different"
    assert works(records) == 2


def test_same_title_in_one_journal_two_volumes_by_other_authors_is_not_a_serial() -> None:
    # respiratory 35/36 (Chest 1996, duplicates) and 1451 (Chest 1988, another trial of the same
    # title by other authors): real. The 1996 copies still merge; the 1988 trial stays apart.
    records = records_of("respiratory", "id_0000035", "id_0000036", "id_0001451")
    result = dedupe(records, DedupeConfig())
    by_id = dict(zip(result.records["record_id"], result.records["work_id"], strict=True))
    assert by_id["respiratory:id_0000035"] == by_id["respiratory:id_0000036"] != by_id["respiratory:id_0001451"]
    assert not result.pairs["serial"].any()


def test_an_erratum_is_kept_apart_from_its_article() -> None:
    # copper 143 and 485 (real): an article and its erratum, same authors.
    assert decisions(records_of("copper", "143", "485"))[("copper:143", "copper:485")][0] == "different"


# ---------------------------------------------------------------------------------------------
# Issues


def test_article_number_in_the_issue_field_is_not_another_issue() -> None:
    # diabetes 1167 (issue 3, pages 791) and 426 (issue "791"): real, one work in the gold set.
    found = decisions(records_of("diabetes", "id_0000426", "id_0001167"))
    assert found[("diabetes:id_0000426", "diabetes:id_0001167")][0] == "same"


# ---------------------------------------------------------------------------------------------
# Folding every script


def cyrillic() -> list[dict]:
    with open(DATA / "cyrillic" / "meijboom_cyrillic.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_cyrillic_authors_fold_to_their_transliteration() -> None:
    row = cyrillic()[2]  # W2953114457, real: "Д О Гудз; А.Н. Краснов; Р. Н. Мамлеев; …"
    assert row["authors"].startswith("Д О Гудз")
    assert fold(row["authors"]).startswith("d o gudz; a.n. krasnov; r. n. mamleev")
    assert fold(row["journal"]) == "bezopasnost' i risk farmakoterapii"


def test_the_same_work_with_cyrillic_and_latin_authors_is_one_work() -> None:
    # The real OpenAlex record (Cyrillic authors and journal), and the same work as a Latin-script
    # database would give it (made: authors and journal transliterated). No DOI on either (made),
    # so the authors must agree: before issue 16 the Cyrillic authors folded to nothing.
    row = cyrillic()[2]
    latin = "Gudz, D. O.; Krasnov, A. N.; Mamleev, R. N.; Kagirov, R. K.; Maksimov, M. V."
    records = made([
        {"title": row["title"], "authors": row["authors"].split("; "), "year": row["year"], "venue": row["journal"]},
        {"title": row["title"], "authors": latin.split("; "), "year": row["year"],
         "venue": "Bezopasnost' i risk farmakoterapii"},
    ])
    pairs = dedupe(records, DedupeConfig()).pairs
    assert pairs.at[0, "authors"] == 1.0
    assert (pairs.at[0, "decision"], pairs.at[0, "rule"]) == ("same", "same: title and authors agree")


@pytest.mark.parametrize(("title", "authors", "venue"), [
    # made: a Russian title (the shared data has Cyrillic authors and journals only), real authors
    ("Безопасность применения российских биоаналогов интерферона бета-1b", ["Гудз, Д. О.", "Краснов, А. Н."],
     "Безопасность и риск фармакотерапии"),
    # made: a Chinese title, authors and journal (no Chinese record in the shared data)
    ("二甲双胍治疗2型糖尿病的疗效观察", ["王伟", "李娜"], "中华糖尿病杂志"),
])
def test_identical_non_latin_titles_are_one_work(title: str, authors: list[str], venue: str) -> None:
    record = {"title": title, "authors": authors, "year": "2019", "venue": venue}
    records = made([record, dict(record)])
    found = decisions(records)
    assert found[("made:0", "made:1")] == ("same", "same: title and authors agree")
    assert works(records) == 1


def test_cjk_characters_become_words() -> None:
    assert normal_title("糖尿病") == "tang niao bing"


def test_two_different_non_latin_titles_stay_apart() -> None:
    # made: two Chinese titles by the same authors in one year (only the drug differs)
    base = {"authors": ["王伟"], "year": "2019", "venue": "中华糖尿病杂志"}
    records = made([{**base, "title": "二甲双胍治疗2型糖尿病的疗效观察"}, {**base, "title": "胰岛素治疗1型糖尿病的疗效观察"}])
    assert works(records) == 2


def test_mojibake_is_repaired_before_folding() -> None:
    # respiratory 227's author list (real) and the clean spelling of the same name
    assert repair("Fioretto, JosÃ© Roberto") == "Fioretto, José Roberto"
    assert fold("Fioretto, JosÃ© Roberto") == fold("Fioretto, José Roberto") == "fioretto, jose roberto"
    assert fold("Ã‰tude") == fold("Étude") == "etude"
    assert repair("Ärzteblatt") == "Ärzteblatt"  # real umlauts are left alone


def test_mojibake_title_duplicate_is_one_work() -> None:
    # made: a French title spelled cleanly and as mojibake (UTF-8 read as Windows-1252), one author
    clean = "Étude de la résistance aux antibiotiques chez l'enfant hospitalisé"
    broken = clean.encode("utf-8").decode("cp1252")
    assert broken.startswith("Ã‰tude de la rÃ©sistance")
    record = {"authors": ["Fioretto, José Roberto"], "year": "2011", "venue": "Revista panamericana de salud publica"}
    records = made([{**record, "title": clean}, {**record, "title": broken}])
    assert works(records) == 1


def test_real_mojibake_duplicates_are_one_work() -> None:
    # respiratory 226 ("Jose Roberto"), 227 ("JosÃ© Roberto"), 228 ("J. R."): one gold group
    result = dedupe(records_of("respiratory", "id_0000226", "id_0000227", "id_0000228"), DedupeConfig())
    assert result.records["work_id"].nunique() == 1


def test_greek_letters_on_their_own_are_still_spelled_out() -> None:
    assert normal_title("α-synuclein and NF-κB") == "alpha synuclein and nf kappa b"
    assert normal_title("Ἀθῆναι") == "athinai"  # a Greek word is transliterated, not spelled letter by letter


# ---------------------------------------------------------------------------------------------
# Short titles, and what goes to review


def test_short_identical_title_with_year_and_authors_is_decided() -> None:
    # "Micro-credentials: Hope or Hype?" (2021) is a real Observatory title; the authors are made.
    record = {"title": "Micro-credentials: Hope or Hype?", "authors": ["Ralston, Shane J."], "year": "2021"}
    records = made([record, {**record, "authors": ["Ralston, S. J."]}])
    assert decisions(records)[("made:0", "made:1")] == ("same", "same: title and authors agree")


def focus_without_pages() -> pd.DataFrame:
    # FOCUS 1 and FOCUS 2 (respiratory 1409, 1697; real) with their pages removed (made): refused
    # because the numbers in their titles differ.
    return records_of("respiratory", "id_0001409", "id_0001697").assign(pages=None)


def test_refused_pairs_are_not_offered_for_review() -> None:
    copy = records_of("special_cases", "id_0000004").assign(record_id="special_cases:copy", doi=None)
    records = pd.concat([focus_without_pages(), hicss(), copy], ignore_index=True)
    result = dedupe(records, DedupeConfig())
    refused = result.pairs[result.pairs["rule"].str.startswith("refuse")]
    assert {("respiratory:id_0001409", "respiratory:id_0001697"),
            ("special_cases:id_0000003", "special_cases:id_0000004")} <= set(
        zip(refused["record_id_a"], refused["record_id_b"], strict=True))
    table = review_table(result, records)
    assert table["pair"].tolist() == ["special_cases:copy|special_cases:id_0000004"]
    assert review_pairs(result.pairs).equals(result.to_review)


def test_review_xlsx_holds_no_refused_pair(tmp_path: Path) -> None:
    # The same records through `slr search` and `slr dedupe`, from a CSV a user would import.
    copy = records_of("special_cases", "id_0000004").assign(record_id="special_cases:copy", doi=None)
    records = pd.concat([focus_without_pages(), hicss(), copy], ignore_index=True)
    imports = tmp_path / "data" / "t" / "imports"
    imports.mkdir(parents=True)
    table = records[["record_id", "title", "authors", "year", "venue", "volume", "issue", "pages", "doi"]].copy()
    table["ID"] = table.pop("record_id").str.split(":").str[1]
    table.to_csv(imports / "records.csv", index=False)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "review.yaml").write_text(
        "id: t\ntitle: Review workbook test\nresearch_questions: {RQ1: \"What?\"}\nsources:\n"
        "  - {name: set, type: file, path: data/t/imports/records.csv, format: csv, id_column: ID}\n")
    assert main(["--root", str(tmp_path), "search"]) == 0
    assert main(["--root", str(tmp_path), "dedupe"]) == 0
    sheet = load_workbook(tmp_path / "data" / "t" / "workbooks" / "dedupe_review.xlsx", read_only=True)["Pairs"]
    pairs = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    assert pairs == ["set:copy|set:id_0000004"]
    written = pd.read_csv(tmp_path / "outputs" / "t" / "02_dedupe" / "pairs.csv")
    assert (written["rule"] == "refuse: numbers in titles differ").sum() == 1
