"""Kept page files: format 2 (a JSON header line, then the body exactly as received) is written;
format 1 (one JSON document with the body as a JSON string, as pages were kept before, and as the
demo's recorded pages still are) is read to the same page and the same records; a page that cannot
be read is named."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from pipeline.config import ApiSource
from pipeline.errors import SourceError
from pipeline.sources.api import run_api_source
from pipeline.sources.connector import Step
from pipeline.sources.http import Fetched
from pipeline.sources.raw import KeptPage, RawRun, decode_page, encode_page, page_name

ROOT = Path(__file__).parents[3]
DEMO_RAW = ROOT / "data" / "demo" / "raw"

STEP = Step("https://api.ies.ed.gov/eric/", {"search": "blockchain", "start": 0, "rows": 2000}, {"split": [2018]})
#: A body with what the header line must not be confused by: newlines, non-ASCII, U+2028, quotes.
BODY = '{"response": {"numFound": 1, "docs": [\n  {"id": "EJ1", "title": "Ça \\"va\\"\u2028 bien"}\n]}}\n'
FETCHED = Fetched(url="https://api.ies.ed.gov/eric/?search=blockchain&start=0&rows=2000", status=200,
                  headers={"content-type": "application/json", "x-note": "naïve\nvalue"}, body=BODY,
                  fetched_at="2026-11-25T00:00:00+00:00")


def format_1(fetched: Fetched, step: Step) -> bytes:
    """A page file as slr kept pages before format 2 (the demo's recorded pages are such files)."""
    record = {"request": {**step.to_json(), "sent": fetched.url}, "status": fetched.status,
              "headers": fetched.headers, "fetched_at": fetched.fetched_at, "body": fetched.body}
    return gzip.compress(json.dumps(record, ensure_ascii=False).encode("utf-8"), compresslevel=6, mtime=0)


def test_a_page_is_a_header_line_then_the_body_as_received() -> None:
    data = encode_page(FETCHED, STEP)
    assert data == encode_page(FETCHED, STEP)  # the same response gives the same file
    header, body = gzip.decompress(data).split(b"\n", 1)
    assert body == BODY.encode("utf-8")
    assert json.loads(header) == {"page_format": 2, "request": {**STEP.to_json(), "sent": FETCHED.url},
                                  "status": 200, "headers": FETCHED.headers, "fetched_at": FETCHED.fetched_at}


@pytest.mark.parametrize("encode", [encode_page, format_1], ids=["format 2", "format 1"])
def test_both_page_formats_read_back_the_same_page(tmp_path: Path, encode) -> None:  # noqa: ANN001
    path = tmp_path / page_name(3)
    path.write_bytes(encode(FETCHED, STEP))
    assert decode_page(path, 3) == KeptPage(number=3, step=STEP, url=FETCHED.url, status=200,
                                            headers=FETCHED.headers, fetched_at=FETCHED.fetched_at, body=BODY)


@pytest.mark.parametrize("name", ["eric", "openalex", "arxiv"])
def test_the_demo_pages_in_format_1_rebuild_the_same_records_as_in_format_2(tmp_path: Path, name: str) -> None:
    kept_as_1 = tmp_path / "1" / name / "recorded"
    shutil.copytree(DEMO_RAW / name / "recorded", kept_as_1)
    old = RawRun(kept_as_1)
    assert all(not gzip.decompress(p.read_bytes()).startswith(b'{"page_format"') for p in kept_as_1.iterdir())
    kept_as_2 = RawRun(tmp_path / "2" / name / "recorded")
    kept_as_2.folder.mkdir(parents=True)
    for page in old.pages():
        kept_as_2.write_page(page.number, Fetched(url=page.url, status=page.status, headers=page.headers,
                                                  body=page.body, fetched_at=page.fetched_at), page.step)
    assert list(kept_as_2.pages()) == list(old.pages())
    source = ApiSource(name=name, type=name, query="(as kept)", max_records=10 if name == "arxiv" else None)
    rebuilt = [run_api_source(source, run.folder.parent, run_id="x", offline=True, env={}) for run in (old, kept_as_2)]
    assert rebuilt[0].records and rebuilt[0].records == rebuilt[1].records
    assert {**rebuilt[0].log, "raw_folder": None} == {**rebuilt[1].log, "raw_folder": None}


@pytest.mark.parametrize("damage", ["not gzip", "truncated", "garbled deflate", "no body", "header only",
                                    "newer format"])
def test_a_page_that_cannot_be_read_is_named(tmp_path: Path, damage: str) -> None:
    good = encode_page(FETCHED, STEP)
    data = {
        "not gzip": b"<html>Bad gateway</html>",
        "truncated": good[: len(good) // 2],
        "garbled deflate": good[:12] + bytes(b ^ 0x5A for b in good[12:-8]) + good[-8:],
        "no body": gzip.compress(json.dumps({"request": {"url": "u"}}).encode()),
        "header only": gzip.compress(b'{"page_format": 2, "request": {"url": "u"}}'),
        "newer format": gzip.compress(b'{"page_format": 3, "request": {"url": "u"}}\n{}'),
    }[damage]
    path = tmp_path / page_name(1)
    path.write_bytes(data)
    with pytest.raises(SourceError) as error:
        decode_page(path, 1)
    assert str(error.value).startswith(f"kept page {path} ")
    hint = "upgrade slr" if damage == "newer format" else "delete that run folder and run `slr search` online again"
    assert hint in str(error.value)
