"""Issue 14: hostile and broken inputs, one test (or more) per numbered case of the issue.

Every hostile file is built here, in the test, from a real export where one fits
(tests/data/tabular/asreview_embase.csv and .xlsx, data/demo/imports/scopus.ris; provenance in
their folders). Each test says what happened before the fix, as the attack battery measured it
(bench/attack.py, bench/results/attack.md).
"""

from __future__ import annotations

import os
import shutil
import stat
import time
import zipfile
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import load_protocol
from pipeline.errors import ConfigError, InputError, SourceError, WorkbookError
from pipeline.store import OutsideRootError, atomic_path, confine_writes, write_text

ROOT = Path(__file__).parents[1]
DATA = ROOT / "tests" / "data"
EMBASE_CSV = DATA / "tabular" / "asreview_embase.csv"
EMBASE_XLSX = DATA / "tabular" / "asreview_embase.xlsx"


def protocol(root: Path, *, review_id: str = "t", name: str = "embase", path: str = "data/t/imports/embase.csv",
             extra: str = "") -> Path:
    (root / "config").mkdir(parents=True, exist_ok=True)
    target = root / "config" / "review.yaml"
    target.write_text(f"id: {review_id}\ntitle: Hostile\nresearch_questions: {{RQ1: \"What\"}}\nsources:\n"
                      f"  - {{name: {name}, type: file, path: {path}}}\n{extra}", encoding="utf-8")
    return target


@pytest.fixture
def review(tmp_path: Path) -> Path:
    root = tmp_path / "review"
    imports = root / "data" / "t" / "imports"
    imports.mkdir(parents=True)
    shutil.copy(EMBASE_CSV, imports / "embase.csv")
    protocol(root)
    return root


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


# --- 1. Out of bounds ---------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "value"), [
    ("id", '"../../escape"'), ("id", "/some/absolute/path"), ("id", '".."'), ("id", '"."'), ("id", "a/b"),
    ("id", '"a\\\\b"'), ("id", '".hidden"'), ("id", '"-x"'), ("id", '""'),
    ("name", '"../../NAME"'), ("name", "/tmp/x"), ("name", '".."'), ("name", "a b"),
])
def test_ids_and_source_names_are_plain_names(review: Path, tmp_path: Path, key: str, value: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    # Before: id "../../escape" or a source name "../../NAME" made `slr search` write its imports,
    # sidecars, raw pages, outputs and ledgers outside the review root.
    protocol(review, **({"review_id": value} if key == "id" else {"name": value}))
    before = files_under(tmp_path)
    assert main(["--root", str(review), "search"]) == 2
    err = capsys.readouterr().err
    where = "id" if key == "id" else "sources[0].name"
    assert f"config/review.yaml: {where}: " in err
    assert "is not a plain name: letters, digits, - and _ only, starting with a letter or digit (it names a folder)" in err
    assert files_under(tmp_path) == before  # nothing written anywhere


def test_plain_names_still_load(review: Path) -> None:
    protocol(review, review_id="micro-credentials_2026", name="Scopus-export_2")
    loaded = load_protocol("config/review.yaml", root=review)
    assert (loaded.id, loaded.sources[0].name) == ("micro-credentials_2026", "Scopus-export_2")


def test_a_symlink_out_of_the_review_is_refused(review: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A folder slr writes into, replaced by a link to somewhere else: refused, nothing written there.
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (review / "outputs" / "t").mkdir(parents=True)
    (review / "outputs" / "t" / "01_search").symlink_to(outside, target_is_directory=True)
    assert main(["--root", str(review), "search"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Error: refusing to write {review}/outputs/t/01_search/records.csv: it is outside the "
                          f"review root {review}")
    assert list(outside.iterdir()) == []


def test_writes_outside_the_root_are_refused_and_reads_are_not(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    shutil.copy(EMBASE_CSV, downloads / "export.csv")
    confine_writes(root)
    write_text(root / "data" / "ok.txt", "fine")
    for target in (tmp_path / "escape.txt", root / ".." / "escape.txt", Path("/tmp") / "slr-escape-test.txt"):
        with pytest.raises(OutsideRootError, match="is outside the review root"):
            write_text(target, "no")
        assert not target.exists()
    # Exports live in Downloads: a source outside the root is read as before.
    protocol(root, path=str(downloads / "export.csv"))
    assert main(["--root", str(root), "search"]) == 0
    assert (root / "outputs" / "t" / "01_search" / "records.csv").exists()


# --- 4. Resources: XLSX -------------------------------------------------------------------------

def _rewrite_sheet(source: Path, target: Path, change) -> None:  # noqa: ANN001
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            out.writestr(info.filename, change(data) if info.filename == "xl/worksheets/sheet1.xml" else data)


def _far_cell(data: bytes) -> bytes:
    return data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'
                                         b"</row></sheetData>")


def _bomb(data: bytes) -> bytes:
    # 300 MiB of spaces in a comment after the data: compresses to about 300 KiB.
    return data.replace(b"</sheetData>", b"</sheetData><!--" + b" " * (300 << 20) + b"-->")


def _lying_dimension(data: bytes) -> bytes:
    import re
    return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)


XLSX_CASES = {
    "one cell at XFD1048576": (_far_cell, 'sheet "Embase export" (xl/worksheets/sheet1.xml): the sheet reaches '
                                          "row 1,048,576 and column 16,384 (17,179,869,184 cells from A1; at most 20,000,000)"),
    "a dimension of the whole grid": (_lying_dimension, "the sheet reaches row 1,048,576 and column 16,384"),
    "a 300 MiB sheet in a small zip": (_bomb, "part xl/worksheets/sheet1.xml is compressed"),
}


@pytest.mark.parametrize("case", XLSX_CASES)
def test_hostile_workbook_as_a_source(review: Path, tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: one cell at XFD1048576 aborted the process (calamine asked for 512 GiB, exit 134);
    # a 1.5 MB zip of 1.5 GB sheet XML imported at 3.2 GB RSS.
    change, said = XLSX_CASES[case]
    _rewrite_sheet(EMBASE_XLSX, review / "data" / "t" / "imports" / "sheet.xlsx", change)
    protocol(review, name="sheet", path="data/t/imports/sheet.xlsx")
    assert main(["--root", str(review), "search"]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"Error: {review}/data/t/imports/sheet.xlsx") and said in err


@pytest.mark.parametrize("case", XLSX_CASES)
def test_hostile_workbook_to_screen_import(tmp_path: Path, case: str) -> None:
    # The same checks guard every workbook slr reads back (screen/code/dedupe imports).
    from pipeline.sheets import read_sheet

    change, said = XLSX_CASES[case]
    path = tmp_path / "screening.xlsx"
    _rewrite_sheet(EMBASE_XLSX, path, change)
    with pytest.raises(WorkbookError) as error:
        read_sheet(path, "Embase export")
    assert str(error.value).startswith(str(path)) and said in str(error.value)


# --- 6. Resources: YAML alias bomb, BibTeX ------------------------------------------------------

def _alias_bomb() -> str:
    lines = ['    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index in range(1, 9):
        previous, name = chr(96 + index), chr(97 + index)
        lines.append(f"    {name}: &{name} [" + ",".join(f"*{previous}" for _ in range(9)) + "]")
    return "\n".join(lines) + "\n"


def test_yaml_alias_bomb_in_filters_is_refused(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: an 830-byte alias bomb in `filters:` hung `slr search` (json.dumps of 387 million values).
    text = "id: t\ntitle: Hostile\nresearch_questions: {RQ1: \"What\"}\nsources:\n" \
           "  - name: oa\n    type: openalex\n    query: x\n    filters:\n" + _alias_bomb()
    (review / "config" / "review.yaml").write_text(text)
    assert len(text.encode()) < 1000
    started = time.monotonic()
    assert main(["--root", str(review), "search", "--offline"]) == 2
    assert time.monotonic() - started < 30  # refused, not hung (a bound, not a speed figure)
    err = capsys.readouterr().err
    assert "config/review.yaml: the YAML expands to more than 1,000,000 values (the value at line " in err
    assert "anchors and aliases nested into each other (a YAML bomb?)" in err


def test_yaml_recursive_alias_is_refused(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (review / "config" / "review.yaml").write_text("id: t\ntitle: &t [*t]\n")
    assert main(["--root", str(review), "search"]) == 2
    assert "an alias refers to a value that contains it (the value at line 2), so it never ends" in capsys.readouterr().err


def test_ordinary_anchors_still_work(review: Path) -> None:
    text = protocol(review).read_text() + "screening:\n  reasons: &r [off topic, too old]\n"
    (review / "config" / "review.yaml").write_text(text)
    assert load_protocol("config/review.yaml", root=review).screening.reasons


def test_a_huge_bibtex_field_is_kept_raw_with_a_warning(tmp_path: Path) -> None:
    # Before: a 1 MB field took 50 s to LaTeX-decode; 50 MB never ended.
    from pipeline.config import FileSource
    from pipeline.sources import bibtex

    huge = ("Words with {\\\"u}mlauts and \\& signs. " * 30_000)[:1_000_000]
    path = tmp_path / "huge.bib"
    path.write_text("@article{k1,\n title={{\\\"U}ber Micro-Credentials},\n author={M{\\\"u}ller, Ana},\n"
                    f" abstract={{{huge}}},\n year={{2021}}\n}}\n", encoding="utf-8")
    started = time.monotonic()
    parsed = bibtex.read(path, FileSource(name="b", path=path))
    assert time.monotonic() - started < 30
    record = parsed.records[0]
    assert record["title"] == "Über Micro-Credentials" and record["authors"] == ["Müller, Ana"]
    assert record["abstract"].startswith('Words with \\"umlauts and \\& signs.') and len(record["abstract"]) > 900_000
    assert parsed.warnings == [f"huge.bib, line 1: entry k1: the abstract field has {len(record['abstract']):,} "
                               "characters (more than 20,000); kept as written, LaTeX not decoded"]


# --- 7. Located errors instead of internal ones -------------------------------------------------

@pytest.mark.parametrize(("change", "said"), [
    (lambda data: data[: len(data) // 2], 'sheet "Embase export": the sheet cannot be read (XmlError'),
    (lambda data: b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>' + data,
     'sheet "Embase export" (xl/worksheets/sheet1.xml): the XML declares a DOCTYPE, which Excel never writes'),
])
def test_damaged_workbook_xml_is_located(tmp_path: Path, change, said: str) -> None:  # noqa: ANN001
    # Before: exit 70, "a bug in slr", for a truncated sheet or a DOCTYPE inside a valid zip.
    from pipeline.sheets import read_sheet

    path = tmp_path / "screening.xlsx"
    _rewrite_sheet(EMBASE_XLSX, path, change)
    with pytest.raises(WorkbookError) as error:
        read_sheet(path, "Embase export")
    assert str(error.value).startswith(f"{path}, {said}")


def test_config_naming_a_folder(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(review), "-c", "config", "search"]) == 2
    assert capsys.readouterr().err == (f"Error: {review}/config is a folder, not a protocol file\n  Hint: pass "
                                       "-c/--config with the YAML file itself, e.g. config/review.yaml\n")


# --- 8. Silent corruption -----------------------------------------------------------------------

def test_one_stray_byte_keeps_a_utf8_file_utf8(review: Path) -> None:
    # Before: one latin-1 byte in a UTF-8 file re-decoded the whole file with a guessed codec.
    from pipeline.config import FileSource
    from pipeline.sources import tabular

    data = EMBASE_CSV.read_bytes()
    assert data.decode("utf-8") and any(b >= 0x80 for b in data)  # real UTF-8 with accents
    lines = data.split(b"\n")
    lines[5] = b"caf\xe9 " + lines[5]  # one stray latin-1 byte, in the title on line 6
    path = review / "data" / "t" / "imports" / "stray.csv"
    path.write_bytes(b"\n".join(lines))
    parsed = tabular.read(path, FileSource(name="s", path=path))
    clean = tabular.read(EMBASE_CSV, FileSource(name="s", path=EMBASE_CSV))
    assert len(parsed.records) == len(clean.records)
    changed = [i for i, (a, b) in enumerate(zip(parsed.records, clean.records)) if a != b]
    assert changed == [4]  # only the record with the bad byte differs
    assert parsed.records[4]["title"].startswith("caf\ufffd Foregut duplication cysts")
    assert parsed.warnings == ["stray.csv: 1 byte(s) are not valid UTF-8 (line 6); read as UTF-8 with each bad byte "
                               "shown as \ufffd. Fix those lines, or set encoding: if the file is in another encoding"]


def test_a_latin1_file_is_still_detected(tmp_path: Path) -> None:
    from pipeline.sources.text import read_text

    path = tmp_path / "latin.csv"
    path.write_bytes(EMBASE_CSV.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    text, warnings = read_text(path)
    assert "not UTF-8; decoded as" in warnings[0]


def test_an_unclosed_quote_is_refused_with_its_line(tmp_path: Path) -> None:
    # Before: the rows after an unclosed quote vanished into one cell ("2 records", no warning).
    from pipeline.config import FileSource
    from pipeline.sources import tabular

    lines = EMBASE_CSV.read_text(encoding="utf-8").split("\n")
    header_fields = lines[0].count(",")
    path = tmp_path / "unclosed.csv"
    path.write_text("Title,Year\nFirst,2020\n\"Second, unclosed,2021\nThird,2022\nFourth,2023\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        tabular.read(path, FileSource(name="u", path=path))
    assert str(error.value) == (f"{path}, line 3: a quote (\") opened on this line is never closed, so the 2 line(s) "
                                "after it would be read as one cell\n  Hint: close the quote on that line (or double "
                                "a quote inside a quoted cell: \"\"), or export the file again")
    assert header_fields > 0
    # A quoted cell spanning lines, closed, is still fine.
    path.write_text("Title,Year\n\"Two\nlines\",2020\nThird,2022\n", encoding="utf-8")
    assert len(tabular.read(path, FileSource(name="u", path=path)).records) == 2


# --- 9. Habits ----------------------------------------------------------------------------------

def test_files_honour_the_umask(review: Path) -> None:
    # Before: every file slr wrote was 0600 (mkstemp's mode), whatever the umask.
    old = os.umask(0o002)
    try:
        assert main(["--root", str(review), "search"]) == 0
    finally:
        os.umask(old)
    written = files_under(review / "outputs") | files_under(review / "data" / "t" / "imports" / "embase")
    assert written and {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o664}


def test_stale_temporary_files_are_removed_on_the_next_run(review: Path) -> None:
    # Before: `kill -9` left .name.XXXX.tmp files (up to 40 MB) that no run removed.
    assert main(["--root", str(review), "search"]) == 0
    folder = review / "outputs" / "t" / "01_search"
    stale = folder / ".records.csv.k3j_x9qa.tmp"
    fresh = folder / ".records.csv.abcd1234.tmp"
    mine = folder / "notes.tmp"  # not slr's pattern: never touched
    for path in (stale, fresh, mine):
        path.write_bytes(b"x" * 1000)
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    os.utime(mine, (hour_ago, hour_ago))
    import pipeline.store as store

    store._SWEPT.clear()
    assert main(["--root", str(review), "search"]) == 0
    assert not stale.exists()
    assert fresh.exists() and mine.exists()  # a running command's own temp file; someone else's file


def test_a_nul_filled_csv_gives_a_short_readable_message(review: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: 5,000 NUL bytes in the error message.
    (review / "data" / "t" / "imports" / "embase.csv").write_bytes(b"\x00" * 5000 + b"\n" + b"\x00" * 5000 + b"\n")
    assert main(["--root", str(review), "search"]) == 3
    err = capsys.readouterr().err
    assert "\x00" not in err and "\\x00" in err
    assert len(err) < 2 * 2000 + 300
    assert "more characters)" in err


def test_atomic_path_keeps_nothing_behind_on_failure(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "x.csv") as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_init_refuses_an_id_that_is_not_a_plain_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path / "r"), "--id", "../../escape"]) == 2
    assert capsys.readouterr().err.startswith('Error: --id "../../escape" is not a plain name: letters, digits')
    assert not (tmp_path / "r").exists() and not (tmp_path.parent / "escape").exists()


def test_an_unclosed_quote_on_the_last_line_is_refused(tmp_path: Path) -> None:
    from pipeline.config import FileSource
    from pipeline.sources import tabular

    path = tmp_path / "last.csv"
    path.write_text('Title,Year\nA,2020\n"B unclosed,2021\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"line 3: a quote \(\"\) opened on this line is never closed, so the rest "
                                         "of the line would be read as one cell"):
        tabular.read(path, FileSource(name="u", path=path))
