"""The attack battery of issue 14: hostile and broken inputs against the real `slr` command.

Every case builds its hostile files in a temporary folder (from the real exports in tests/data
where one fits), runs `slr` as a subprocess with a time limit and an address-space limit
(resource.setrlimit in preexec_fn), and classifies what happened:

- refused   the command stopped with `Error: …` and a PipelineError exit code (1-6), or did the
            right thing (a warning where one is due); nothing leaked, nothing lost
- traceback a Python traceback, or exit 70 ("a bug in slr")
- crash     killed by a signal, out of memory, or over the time limit
- lost      the command succeeded but records are missing or garbled
- hole      a promise broke: a write outside the review root, a secret at another host,
            markup in an output, a file mode that ignores the umask, a stale temp file left

Run: `make attack` (or `.venv/bin/python bench/attack.py`). Prints a table per category and writes
bench/results/attack.md. HTTP cases use servers on 127.0.0.1 only; every hostile loop is bounded.
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import os
import platform
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
EMBASE_CSV = DATA / "tabular" / "asreview_embase.csv"
EMBASE_XLSX = DATA / "tabular" / "asreview_embase.xlsx"
SCOPUS_RIS = REPO / "data" / "demo" / "imports" / "scopus.ris"
OA = DATA / "api" / "openalex_filter_cursor_2pages_and_400s"
SLR = Path(sys.executable).parent / "slr"
TIME_LIMIT = 90  # seconds per command
MEMORY_LIMIT = 3 << 30  # bytes of address space per command
PIPELINE_CODES = {1, 2, 3, 4, 5, 6}
KEY = "attack-secret-key-4711"


@dataclasses.dataclass
class Outcome:
    category: str
    case: str
    verdict: str
    detail: str


@dataclasses.dataclass
class Ran:
    code: int | None
    out: str
    err: str
    seconds: float

    @property
    def crashed(self) -> bool:
        return self.code is None or self.code < 0 or self.code in (134, 137, 139)

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.err or self.code == 70


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    os.setsid()


def slr(root: Path, *args: str, env: dict[str, str] | None = None, umask: int | None = None,
        timeout: float = TIME_LIMIT) -> Ran:
    """Run the real command in `root` with the limits; never raises."""
    environment = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "SLR_MAILTO"}
    environment.update(env or {})
    started = time.monotonic()

    def preexec() -> None:
        _limits()
        if umask is not None:
            os.umask(umask)

    try:
        done = subprocess.run([str(SLR), "--root", str(root), *args], capture_output=True, text=True,
                              timeout=timeout, env=environment, preexec_fn=preexec, errors="replace")
        return Ran(done.returncode, done.stdout, done.stderr, time.monotonic() - started)
    except subprocess.TimeoutExpired as exc:
        return Ran(None, "", f"timed out after {timeout} s " + (exc.stderr or b"").decode("utf-8", "replace")[-300:],
                   time.monotonic() - started)


def verdict_of(ran: Ran, *, expect_refusal: bool = True) -> tuple[str, str]:
    if ran.crashed:
        return "crash", f"exit {ran.code}: {ran.err.strip()[:120]}"
    if ran.traceback:
        return "traceback", ran.err.strip().splitlines()[-1][:160] if ran.err.strip() else f"exit {ran.code}"
    if expect_refusal and ran.code in PIPELINE_CODES and ran.err.startswith("Error: "):
        return "refused", ran.err.splitlines()[0][7:140]
    if expect_refusal:
        return "hole", f"exit {ran.code}, accepted: {ran.out.strip()[:120]}"
    return "refused", f"exit {ran.code}"


# --- review scaffolding ----------------------------------------------------------------------

def review(base: Path, name: str, sources: str, *, review_id: str = "t", extra: str = "") -> Path:
    root = base / name / "review"
    (root / "config").mkdir(parents=True)
    (root / "data" / "t" / "imports").mkdir(parents=True)
    (root / "config" / "review.yaml").write_text(
        f'id: {review_id}\ntitle: Attack\nresearch_questions: {{RQ1: "What"}}\nsources:\n{sources}{extra}',
        encoding="utf-8")
    return root


def file_source(name: str, path: str, **extra: str) -> str:
    more = "".join(f", {k}: {v}" for k, v in extra.items())
    return f"  - {{name: {name}, type: file, path: {path}{more}}}\n"


def files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")} if folder.exists() else set()


def records(root: Path) -> list[dict[str, str]]:
    import csv

    csv.field_size_limit(1 << 30)
    path = root / "outputs" / "t" / "01_search" / "records.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- 1. out of bounds --------------------------------------------------------------------------

def out_of_bounds(base: Path) -> list[Outcome]:
    out = []
    variants = [("id", v) for v in ("../../escape", "/tmp/slr-attack-abs", "..", ".", "a/../../b", ".hidden")]
    variants += [("name", v) for v in ("../../NAME", "/tmp/slr-attack-name", "..", "x/../../y")]
    variants += [("api name", "../../api")]
    for index, (key, value) in enumerate(variants):
        case_dir = base / f"oob{index}"
        sources = file_source(json.dumps(value) if key == "name" else "embase", "data/t/imports/embase.csv")
        if key == "api name":
            sources = f"  - {{name: {json.dumps(value)}, type: openalex, query: x}}\n"
        root = review(case_dir, "r", sources, review_id=json.dumps(value) if key == "id" else "t")
        shutil.copy(EMBASE_CSV, root / "data" / "t" / "imports" / "embase.csv")
        before = files(case_dir.parent) | files(Path("/tmp/slr-attack-abs")) | files(Path("/tmp/slr-attack-name"))
        ran = slr(root, "search", "--offline")
        after = files(case_dir.parent) | files(Path("/tmp/slr-attack-abs")) | files(Path("/tmp/slr-attack-name"))
        outside = {p for p in after - before if root not in p.parents}
        verdict, detail = verdict_of(ran)
        if outside:
            verdict, detail = "hole", f"wrote outside the root: {sorted(outside)[0]}"
        out.append(Outcome("1 out of bounds", f"{key}: {value}", verdict, detail))
    # A folder slr writes into is a symlink to elsewhere.
    root = review(base / "oob-link", "r", file_source("embase", "data/t/imports/embase.csv"))
    shutil.copy(EMBASE_CSV, root / "data" / "t" / "imports" / "embase.csv")
    elsewhere = base / "oob-link" / "elsewhere"
    elsewhere.mkdir()
    (root / "outputs" / "t").mkdir(parents=True)
    (root / "outputs" / "t" / "01_search").symlink_to(elsewhere, target_is_directory=True)
    ran = slr(root, "search")
    verdict, detail = verdict_of(ran)
    if any(elsewhere.iterdir()):
        verdict, detail = "hole", "wrote through the symlink"
    out.append(Outcome("1 out of bounds", "outputs folder symlinked outside", verdict, detail))
    # A source file outside the root is read (exports live in Downloads): must succeed.
    downloads = base / "oob-read" / "Downloads"
    downloads.mkdir(parents=True)
    shutil.copy(EMBASE_CSV, downloads / "export.csv")
    root = review(base / "oob-read", "r", file_source("embase", str(downloads / "export.csv")))
    ran = slr(root, "search")
    verdict = "refused" if ran.code == 0 else ("traceback" if ran.traceback else "lost")
    out.append(Outcome("1 out of bounds", "reading an export outside the root still works", verdict, f"exit {ran.code}"))
    return out


# --- 2. markup in outputs ----------------------------------------------------------------------

HOSTILE_TITLES = [
    "<img src=x onerror=alert(1)> badge-777",
    "<svg/onload=alert(2)> badge-777",
    "[click me](javascript:alert(3)) badge-777",
    "![x](http://tracker.example/p.png) badge-777",
    "<" + "a" * 250 + " onmouseover=alert(4)> badge-777",
    "<script>alert(5)</script> badge-777 \x1b[31m\x00",
]


def markup(base: Path) -> list[Outcome]:
    out = []
    for index, title in enumerate(HOSTILE_TITLES):
        root = review(base / f"md{index}", "r", file_source("lib", "data/t/imports/lib.csv"),
                      extra="screening:\n  accept_proposals: true\n")
        rows = [("Title", "Year", "Authors", "DOI"), (title, "2021", "<b>Ana</b> [x](javascript:y)", "10.1/a)b"),
                ("Digital badges and micro-credentials in higher education", "2020", "Ben, B.", "10.1/b")]
        import csv

        with open(root / "data" / "t" / "imports" / "lib.csv", "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
        # A reviewer includes every work at both stages (ledger rows, as `slr screen import` writes
        # them), so the hostile title reaches the catalogue, the tables and the report.
        slr(root, "search")
        slr(root, "dedupe")
        works_path = root / "outputs" / "t" / "02_dedupe" / "works.csv"
        if works_path.exists():
            with open(works_path, encoding="utf-8", newline="") as handle:
                works = list(csv.DictReader(handle))
            ledger = root / "data" / "t" / "ledger" / "screening.csv"
            ledger.parent.mkdir(parents=True, exist_ok=True)
            with open(ledger, "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["work_id", "stage", "reviewer", "role", "decision", "reason", "note", "time",
                                 "workbook", "workbook_checksum", "record_ids"])
                for work in works:
                    for stage in ("title_abstract", "full_text"):
                        writer.writerow([work["work_id"], stage, "ana", "reviewer", "include", "", "",
                                         "2026-12-01T10:00:00+00:00", "", "", work.get("record_ids", "")])
        ran = slr(root, "run", "--offline")
        verdict, detail = verdict_of(ran, expect_refusal=False)
        outputs = [p for p in (root / "outputs").rglob("*") if p.suffix in (".md", ".html")]
        bad = []
        shown = 0  # outputs that show the hostile title (as text)
        for path in outputs:
            text = path.read_text(encoding="utf-8")
            shown += "badge-777" in text
            body = text.split("<body>", 1)[-1] if path.suffix == ".html" else text
            # The Observatory page's own script (06_site/site.js) is the site's, not the input's.
            body = body.replace('<script src="site.js"></script>', "")
            markdown = path.suffix == ".md" and (re.search(r"(?<!\\)\]\(javascript:", text)
                                                 or re.search(r"(?<!\\)!(?<!\\)\[x", text))
            if re.search(r"<(img|svg|b>|script|a{10})", body) or markdown or 'href="javascript' in text \
                    or re.search(r"[\x00-\x08\x1b]", text):
                bad.append(path.name)
        if verdict == "refused" and ran.code != 0:
            verdict, detail = "hole", f"the pipeline did not finish (exit {ran.code}): {ran.err.strip()[:100]}"
        elif bad:
            verdict, detail = "hole", f"markup in {', '.join(sorted(set(bad)))}"
        elif not shown:
            verdict, detail = "hole", "the hostile title is in no output: nothing was checked"
        elif verdict == "refused":
            detail = f"{len(outputs)} .md/.html outputs, {shown} showing the title, all escaped"
        out.append(Outcome("2 markup in outputs", title[:45], verdict, detail))
    return out


# --- local HTTP servers (loopback only, bounded loops) -----------------------------------------

class Server:
    """A tiny threaded server on 127.0.0.1 whose handler is a function of the request."""

    def __init__(self, handle: Callable[[http.server.BaseHTTPRequestHandler], None]) -> None:
        self.requests: list[dict[str, str]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer.requests.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
                try:
                    handle(self)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    self.close_connection = True

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _reply(handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def openalex_pages(handler: http.server.BaseHTTPRequestHandler) -> None:
    params = dict(parse_qsl(urlsplit(handler.path).query))
    body = (OA / "02_200.json").read_bytes() if params.get("cursor", "*") == "*" else (OA / "04_200.json").read_bytes()
    _reply(handler, 200, body, {"content-type": "application/json"})


def api_review(base: Path, name: str, url: str, kind: str = "openalex") -> Path:
    return review(base / name, "r", f"  - {{name: api, type: {kind}, query: altmetrics, base_url: '{url}'}}\n")


def secrets(base: Path) -> list[Outcome]:
    out = []
    for status in (301, 302, 307, 308):
        for kind, env, secret in (("openalex", {"OPENALEX_API_KEY": KEY, "SLR_MAILTO": "attack@example.org"}, KEY),
                                  ("semantic_scholar", {"SEMANTIC_SCHOLAR_API_KEY": KEY}, KEY)):
            second = Server(openalex_pages if kind == "openalex" else
                            lambda h: _reply(h, 200, b'{"total": 0, "token": null, "data": []}',
                                             {"content-type": "application/json"}))
            first = Server(lambda h, s=status, o=second: _reply(h, s, b"", {"Location": o.url + h.path}))
            root = api_review(base, f"redirect-{status}-{kind}", first.url + ("/graph/v1" if kind != "openalex" else ""),
                              kind)
            ran = slr(root, "search", env={**env, "SLR_HTTP_RETRIES": "1"})
            leaked = [r for r in second.requests if secret in json.dumps(r) or "attack@example" in json.dumps(r)]
            verdict, detail = verdict_of(ran, expect_refusal=False)
            if leaked:
                verdict, detail = "hole", f"the second host got the secret on {len(leaked)} of {len(second.requests)} requests"
            elif verdict == "refused":
                detail = f"exit {ran.code}; second host: {len(second.requests)} requests, no secret"
            out.append(Outcome("3 secrets across hosts", f"{status} to another port ({kind})", verdict, detail))
            first.close()
            second.close()
    return out


# --- 4. XLSX ---------------------------------------------------------------------------------

def _rewrite(target: Path, change: Callable[[bytes], bytes]) -> None:
    with zipfile.ZipFile(EMBASE_XLSX) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info.filename, change(data) if info.filename == "xl/worksheets/sheet1.xml" else data)


XLSX = {
    "one cell at XFD1048576": lambda d: d.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr">'
                                                  b"<is><t>x</t></is></c></row></sheetData>"),
    "cell at A1048576 and XFD1": lambda d: d.replace(b"</sheetData>", b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>'
                                                     b"</sheetData>").replace(b'<c r="A1"', b'<c r="XFD1"><v>1</v></c><c r="A1"', 1),
    "dimension A1:XFD1048576": lambda d: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', d),
    "zip bomb: 1 GiB sheet": lambda d: d.replace(b"</sheetData>", b"</sheetData><!--" + b" " * (1 << 30) + b"-->"),
}


def resources_xlsx(base: Path) -> list[Outcome]:
    out = []
    for index, (name, change) in enumerate(XLSX.items()):
        root = review(base / f"xlsx{index}", "r", file_source("sheet", "data/t/imports/sheet.xlsx"))
        _rewrite(root / "data" / "t" / "imports" / "sheet.xlsx", change)
        ran = slr(root, "search")
        verdict, detail = verdict_of(ran)
        out.append(Outcome("4 XLSX size", f"source: {name}", verdict, f"{detail} ({ran.seconds:.1f} s)"))
        # The same workbook handed to `slr screen import`.
        root2 = review(base / f"xlsx{index}-import", "r", file_source("embase", "data/t/imports/embase.csv"))
        shutil.copy(EMBASE_CSV, root2 / "data" / "t" / "imports" / "embase.csv")
        slr(root2, "search")
        slr(root2, "dedupe")
        slr(root2, "screen")
        ran = slr(root2, "screen", "import", str(root / "data" / "t" / "imports" / "sheet.xlsx"))
        verdict, detail = verdict_of(ran)
        out.append(Outcome("4 XLSX size", f"screen import: {name}", verdict, f"{detail} ({ran.seconds:.1f} s)"))
    return out


# --- 5. HTTP resources -------------------------------------------------------------------------

def _endless(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("content-type", "application/json")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b" " * 65536
    for _ in range(16384):  # at most 1 GiB offered
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))


def _drip(handler: http.server.BaseHTTPRequestHandler) -> None:
    body = (OA / "02_200.json").read_bytes()
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    for index in range(min(len(body), 200)):  # one byte every 0.5 s, at most 100 s
        handler.wfile.write(body[index:index + 1])
        handler.wfile.flush()
        time.sleep(0.5)


def _drip_headers(handler: http.server.BaseHTTPRequestHandler) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
    for index in range(len(head)):
        handler.wfile.write(head[index:index + 1])
        handler.wfile.flush()
        time.sleep(0.5)


def _late_headers(handler: http.server.BaseHTTPRequestHandler) -> None:
    time.sleep(8)
    openalex_pages(handler)


def _gzip_bomb(handler: http.server.BaseHTTPRequestHandler) -> None:
    import gzip

    body = gzip.compress(b" " * (200 << 20), compresslevel=9)
    _reply(handler, 200, body, {"content-type": "application/json", "content-encoding": "gzip"})


def resources_http(base: Path) -> list[Outcome]:
    out = []
    env = {"SLR_HTTP_DEADLINE": "4", "SLR_HTTP_RETRIES": "1", "SLR_HTTP_MAX_BODY": str(16 << 20)}
    for name, handle in (("endless chunked 200", _endless), ("body: one byte every 0.5 s", _drip),
                         ("headers: one byte every 0.5 s", _drip_headers), ("headers after 8 s", _late_headers),
                         ("gzip bomb (200 MiB of spaces)", _gzip_bomb)):
        server = Server(handle)
        root = api_review(base, f"http-{len(out)}", server.url)
        ran = slr(root, "search", env=env, timeout=60)
        verdict, detail = verdict_of(ran)
        out.append(Outcome("5 HTTP size and time", name, verdict, f"{detail} ({ran.seconds:.1f} s)"))
        server.close()
    return out


# --- 6. YAML and BibTeX ------------------------------------------------------------------------

def _bomb(levels: int = 9, indent: str = "    ") -> str:
    lines = [f'{indent}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index in range(1, levels):
        lines.append(f"{indent}{chr(97 + index)}: &{chr(97 + index)} [" + ",".join([f"*{chr(96 + index)}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def resources_parsers(base: Path) -> list[Outcome]:
    out = []
    cases = {
        "alias bomb in filters": f"  - name: oa\n    type: openalex\n    query: x\n    filters:\n{_bomb()}",
        "alias bomb in a file source's columns": "  - name: f\n    type: file\n    path: data/t/imports/embase.csv\n"
                                                  f"    columns:\n{_bomb()}",
        "recursive alias": "  - &s {name: oa, type: openalex, query: x, filters: {self: *s}}\n",
    }
    for index, (name, sources) in enumerate(cases.items()):
        root = review(base / f"yaml{index}", "r", sources)
        shutil.copy(EMBASE_CSV, root / "data" / "t" / "imports" / "embase.csv")
        ran = slr(root, "search", "--offline", timeout=60)
        verdict, detail = verdict_of(ran)
        out.append(Outcome("6 YAML and BibTeX", name, verdict, f"{detail} ({ran.seconds:.1f} s)"))
    for size in (1 << 20, 8 << 20):
        root = review(base / f"bib{size}", "r", file_source("bib", "data/t/imports/big.bib"))
        unit = "LaTeX {\\\"u} and \\& text. "
        huge = unit * (size // len(unit))  # whole units: the braces stay balanced
        (root / "data" / "t" / "imports" / "big.bib").write_text(
            "@article{k1,\n title={{\\\"U}ber badges},\n author={M{\\\"u}ller, Ana},\n abstract={" + huge + "},\n"
            " year={2021}\n}\n@article{k2,\n title={Second},\n year={2022}\n}\n", encoding="utf-8")
        ran = slr(root, "search", timeout=60)
        verdict, detail = verdict_of(ran, expect_refusal=False)
        if verdict == "refused":
            rows = records(root) if ran.code == 0 else []
            if ran.code != 0 or len(rows) != 2 or rows[0]["title"] != "Über badges":
                verdict, detail = "lost", f"exit {ran.code}, {len(rows)} records"
            else:
                detail = f"2 records, field kept raw with a warning ({ran.seconds:.1f} s)"
        out.append(Outcome("6 YAML and BibTeX", f"BibTeX field of {size >> 20} MiB", verdict, detail))
    return out


# --- 7. located errors -------------------------------------------------------------------------

def located(base: Path) -> list[Outcome]:
    out = []
    for name, change in (("truncated sheet XML", lambda d: d[: len(d) // 2]),
                         ("DOCTYPE in the sheet", lambda d: b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "b">]>' + d),
                         ("sheet XML not XML", lambda d: b"\x00\x01 not xml")):
        for target in ("source", "screen import"):
            root = review(base / f"loc-{len(out)}", "r", file_source("embase", "data/t/imports/embase.csv"))
            shutil.copy(EMBASE_CSV, root / "data" / "t" / "imports" / "embase.csv")
            book = root / "data" / "t" / "imports" / "sheet.xlsx"
            _rewrite(book, change)
            if target == "source":
                (root / "config" / "review.yaml").write_text((root / "config" / "review.yaml").read_text().replace(
                    "embase.csv", "sheet.xlsx"))
                ran = slr(root, "search")
            else:
                for step in ("search", "dedupe", "screen"):
                    slr(root, step)
                ran = slr(root, "screen", "import", str(book))
            verdict, detail = verdict_of(ran)
            out.append(Outcome("7 located errors", f"{name} ({target})", verdict, detail))
    bodies = {
        '"results": [1]': b'{"meta": {"count": 1, "next_cursor": null}, "results": [1]}',
        "a string author": b'{"meta": {"count": 1, "next_cursor": null}, "results": [{"id": "https://openalex.org/W1", '
                           b'"title": "T", "authorships": [{"author": "x"}]}]}',
        '"results": "text"': b'{"meta": {"count": 1, "next_cursor": null}, "results": "text"}',
        "a list at the top": b"[1, 2, 3]",
    }
    for name, body in bodies.items():
        server = Server(lambda h, b=body: _reply(h, 200, b, {"content-type": "application/json"}))
        root = api_review(base, f"shape-{len(out)}", server.url)
        ran = slr(root, "search", env={"SLR_HTTP_RETRIES": "1"})
        verdict, detail = verdict_of(ran)
        out.append(Outcome("7 located errors", f"OpenAlex {name}", verdict, detail))
        server.close()
    root = review(base / "loc-dir", "r", file_source("embase", "data/t/imports/embase.csv"))
    ran = slr(root, "-c", "config", "search") if False else None  # noqa: SIM108 (global option order below)
    done = subprocess.run([str(SLR), "--root", str(root), "-c", "config", "search"], capture_output=True, text=True,
                          timeout=TIME_LIMIT, preexec_fn=_limits)
    ran = Ran(done.returncode, done.stdout, done.stderr, 0)
    verdict, detail = verdict_of(ran)
    out.append(Outcome("7 located errors", "-c naming a folder", verdict, detail))
    return out


# --- 8. silent corruption ----------------------------------------------------------------------

def corruption(base: Path) -> list[Outcome]:
    out = []
    clean_root = review(base / "enc-clean", "r", file_source("f", "data/t/imports/f.csv"))
    shutil.copy(EMBASE_CSV, clean_root / "data" / "t" / "imports" / "f.csv")
    slr(clean_root, "search")
    clean = [r["title"] for r in records(clean_root)]
    data = EMBASE_CSV.read_bytes()
    variants = {
        "CSV: one latin-1 byte": data.replace(b"Foregut", b"For\xe9gut", 1),
        "CSV: three stray bytes": data.replace(b"Foregut", b"For\xe9gut", 1).replace(b"Congenital", b"Cong\x92enital", 1)
                                  .replace(b"Completely", b"Compl\xa0etely", 1),
        "CSV: a cp1252 quote mark": data.replace(b"Duplication", b"\x93Duplication", 1),
    }
    for name, content in variants.items():
        root = review(base / f"enc-{len(out)}", "r", file_source("f", "data/t/imports/f.csv"))
        (root / "data" / "t" / "imports" / "f.csv").write_bytes(content)
        ran = slr(root, "search")
        verdict, detail = verdict_of(ran, expect_refusal=False)
        if verdict == "refused":
            titles = [r["title"] for r in records(root)] if ran.code == 0 else []
            differ = len(set(clean) - set(titles))  # records.csv is ordered by id, which follows content
            log = (root / "outputs" / "t" / "01_search" / "search_log.csv").read_text(encoding="utf-8") if ran.code == 0 else ""
            expected = 3 if "three" in name else 1
            if len(titles) != len(clean) or differ > expected or "not valid UTF-8" not in log:
                verdict, detail = "lost", f"{len(titles)} records, {differ} titles changed"
            else:
                detail = f"{len(titles)} records, {differ} title(s) with U+FFFD, lines named in the log"
        out.append(Outcome("8 silent corruption", name, verdict, detail))
    ris = SCOPUS_RIS.read_bytes()
    root = review(base / "enc-ris", "r", file_source("s", "data/t/imports/s.ris"))
    (root / "data" / "t" / "imports" / "s.ris").write_bytes(ris.replace(b"TI  - ", b"TI  - caf\xe9 ", 1))
    clean_ris = review(base / "enc-ris-clean", "r", file_source("s", "data/t/imports/s.ris"))
    shutil.copy(SCOPUS_RIS, clean_ris / "data" / "t" / "imports" / "s.ris")
    slr(clean_ris, "search")
    ran = slr(root, "search")
    verdict, detail = verdict_of(ran, expect_refusal=False)
    if verdict == "refused":
        got, want = [r["title"] for r in records(root)], [r["title"] for r in records(clean_ris)]
        differ = len(set(want) - set(got))
        verdict, detail = ("refused", f"{len(got)} records, {differ} title changed") if len(got) == len(want) and differ <= 1 \
            else ("lost", f"{len(got)} of {len(want)} records, {differ} titles changed")
    out.append(Outcome("8 silent corruption", "RIS: one latin-1 byte", verdict, detail))
    for name, text in (("CSV: unclosed quote mid-file", 'Title,Year\nA,2020\n"B, unclosed,2021\nC,2022\nD,2023\n'),
                       ("CSV: unclosed quote on the last line", 'Title,Year\nA,2020\nB,2021\n"C unclosed,2022\n'),
                       ("TSV: unclosed quote", 'Title\tYear\nA\t2020\n"B unclosed\t2021\nC\t2022\n')):
        suffix = "tsv" if name.startswith("TSV") else "csv"
        root = review(base / f"quote-{len(out)}", "r", file_source("f", f"data/t/imports/f.{suffix}"))
        (root / "data" / "t" / "imports" / f"f.{suffix}").write_text(text, encoding="utf-8")
        ran = slr(root, "search")
        verdict, detail = verdict_of(ran, expect_refusal=False)
        if verdict == "refused" and ran.code == 0:
            verdict, detail = "lost", f"accepted with {len(records(root))} records"
        elif verdict == "refused":
            detail = ran.err.splitlines()[0][7:140]
        out.append(Outcome("8 silent corruption", name, verdict, detail))
    return out


# --- 9. habits ---------------------------------------------------------------------------------

def habits(base: Path) -> list[Outcome]:
    out = []
    for umask, mode in ((0o022, 0o644), (0o002, 0o664), (0o077, 0o600)):
        root = review(base / f"umask{umask:o}", "r", file_source("f", "data/t/imports/f.csv"))
        shutil.copy(EMBASE_CSV, root / "data" / "t" / "imports" / "f.csv")
        ran = slr(root, "search", umask=umask)
        modes = {oct(p.stat().st_mode & 0o777) for p in (root / "outputs").rglob("*") if p.is_file()}
        modes |= {oct(p.stat().st_mode & 0o777) for p in (root / "data" / "t" / "imports" / "f").rglob("*") if p.is_file()}
        verdict, detail = verdict_of(ran, expect_refusal=False)
        if modes != {oct(mode)}:
            verdict, detail = "hole", f"modes {sorted(modes)} under umask {umask:03o}"
        elif verdict == "refused":
            detail = f"every file {oct(mode)}"
        out.append(Outcome("9 habits", f"file modes under umask {umask:03o}", verdict, detail))
    # kill -9 mid-write leaves a temp file: the next run removes it (slr's own pattern, only).
    root = review(base / "kill", "r", file_source("f", "data/t/imports/f.csv"))
    shutil.copy(EMBASE_CSV, root / "data" / "t" / "imports" / "f.csv")
    slr(root, "search")
    folder = root / "outputs" / "t" / "01_search"
    stale = [folder / ".records.csv.a1b2c3d4.tmp", root / "data" / "t" / "imports" / "f" / ".x.csv.zz99_yy8.tmp"]
    stale[1] = root / "data" / "t" / "imports" / "f" / ".x.csv.zz99yy88.tmp"
    theirs = folder / "notes.tmp"
    for path in (*stale, theirs):
        path.write_bytes(b"\0" * 4096)
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    (root / "data" / "t" / "imports" / "f.csv").write_bytes(EMBASE_CSV.read_bytes() + b"\n")  # a changed import
    ran = slr(root, "search")
    verdict, detail = verdict_of(ran, expect_refusal=False)
    left = [p.name for p in stale if p.exists()]
    if left or not theirs.exists():
        verdict, detail = "hole", f"left {left}; other file kept: {theirs.exists()}"
    elif verdict == "refused":
        detail = "stale temp files removed, other files kept"
    out.append(Outcome("9 habits", "stale .tmp files after kill -9", verdict, detail))
    # A real kill -9 during a search, then a second search.
    root = review(base / "kill9", "r", file_source("f", "data/t/imports/f.csv"))
    shutil.copy(EMBASE_CSV, root / "data" / "t" / "imports" / "f.csv")
    process = subprocess.Popen([str(SLR), "--root", str(root), "search"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, preexec_fn=_limits)
    time.sleep(1.5)
    process.kill()
    process.wait()
    ran = slr(root, "search")
    verdict, detail = verdict_of(ran, expect_refusal=False)
    if ran.code != 0:
        verdict, detail = "lost", f"the search after kill -9 failed: exit {ran.code}"
    out.append(Outcome("9 habits", "kill -9 then search again", verdict, detail))
    for name, content in (("NUL-filled CSV", b"\0" * 5000 + b"\n" + b"\0" * 5000 + b"\n"),
                          ("escape sequences in a header", b"\x1b[2J\x1b[31mTitle" + b"\x07" * 3000 + b",Year\nA,2020\n"),
                          ("a 100,000-character header", b"X" * 100_000 + b",Year\nA,2020\n")):
        root = review(base / f"msg-{len(out)}", "r", file_source("f", "data/t/imports/f.csv"))
        (root / "data" / "t" / "imports" / "f.csv").write_bytes(content)
        ran = slr(root, "search")
        verdict, detail = verdict_of(ran)
        controls = bool(re.search(r"[\x00-\x08\x0b-\x1f\x7f]", ran.err))
        if controls or len(ran.err) > 5000:
            verdict, detail = "hole", f"{len(ran.err):,} characters, control characters: {controls}"
        elif verdict == "refused":
            detail = f"{len(ran.err):,}-character message, no control characters"
        out.append(Outcome("9 habits", name, verdict, detail))
    return out


# --- report ------------------------------------------------------------------------------------

VERDICTS = ("refused", "traceback", "crash", "lost", "hole")


def table(outcomes: list[Outcome]) -> str:
    categories: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        categories.setdefault(outcome.category, []).append(outcome)
    lines = ["| category | cases | refused cleanly | tracebacks | crashes | data lost | holes |",
             "|---|---|---|---|---|---|---|"]
    for category, items in categories.items():
        counts = [sum(1 for o in items if o.verdict == v) for v in VERDICTS]
        lines.append(f"| {category} | {len(items)} | " + " | ".join(map(str, counts)) + " |")
    totals = [sum(1 for o in outcomes if o.verdict == v) for v in VERDICTS]
    lines.append(f"| **all** | **{len(outcomes)}** | " + " | ".join(f"**{n}**" for n in totals) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    started = time.monotonic()
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="slr-attack-") as folder:
        base = Path(folder)
        parts = (out_of_bounds, markup, secrets, resources_xlsx, resources_http, resources_parsers, located,
                 corruption, habits)
        chosen = [p for p in parts if not sys.argv[1:] or p.__name__ in sys.argv[1:]]
        for part in chosen:
            found = part(base)
            outcomes += found
            for outcome in found:
                print(f"{outcome.verdict:<9} {outcome.category:<24} {outcome.case[:50]:<50} {outcome.detail[:90]}",
                      flush=True)
    for path in (Path("/tmp/slr-attack-abs"), Path("/tmp/slr-attack-name")):
        if path.exists():
            shutil.rmtree(path)
    summary = table(outcomes)
    print()
    print(summary)
    details = "\n".join(f"| {o.category} | {o.case.replace('|', '/')} | {o.verdict} | {o.detail.replace('|', '/')} |"
                        for o in outcomes)
    import importlib.metadata as md

    report = (f"# Attack battery (issue 14)\n\n`make attack` (bench/attack.py): hostile and broken inputs against the "
              f"real `slr` command, each run as a subprocess with a {TIME_LIMIT} s time limit and "
              f"{MEMORY_LIMIT >> 30} GiB of address space. Run on {platform.platform(terse=True)}, Python "
              f"{platform.python_version()}, slr {md.version('slr-pipeline')}, {os.cpu_count()} CPUs; "
              f"{time.monotonic() - started:.0f} s in all.\n\n{summary}\n"
              "Verdicts: *refused* — `Error: …` with a PipelineError exit code, or the right result with a warning; "
              "*traceback* — a traceback or exit 70; *crash* — a signal, out of memory, or over the time limit; "
              "*data lost* — success with records missing or garbled; *hole* — a write outside the root, a secret "
              "at another host, markup in an output, a file mode ignoring the umask, a stale temp file.\n\n"
              "| category | case | verdict | what happened |\n|---|---|---|---|\n" + details + "\n")
    if sys.argv[1:]:  # a partial run: no results file
        return 0 if all(o.verdict == "refused" for o in outcomes) else 1
    results = REPO / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "attack.md").write_text(report, encoding="utf-8")
    print(f"written: {results / 'attack.md'}")
    return 0 if all(o.verdict == "refused" for o in outcomes) else 1


if __name__ == "__main__":
    socket.setdefaulttimeout(120)
    sys.exit(main())
