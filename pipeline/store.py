"""The review directory: where every file lives, and how it is written.

`data/<id>/` holds what cannot be regenerated (copies of imported files, raw API pages, ledgers of
human decisions); `outputs/<id>/NN_stage/` holds what can. Every write goes to a temporary file in
the same folder and is renamed into place, so a failed command leaves earlier files as they were.
CSV cells that a spreadsheet would run as a formula are written as text (see `escape_cell`).
"""

from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import InputError, StageError

#: Stage folders under outputs/<id>/, in pipeline order.
STAGES: dict[str, str] = {
    "search": "01_search",
    "dedupe": "02_dedupe",
    "screen": "03_screen",
    "code": "04_code",
    "synthesize": "05_synthesis",
    "publish": "06_site",
}

#: Characters that make a spreadsheet read a text as a formula when it starts with one.
_FORMULA_CHARS = "=+-@\t\r"
_FORMULA_START = re.compile("^'*[" + re.escape(_FORMULA_CHARS) + "]")
#: The first characters of the texts `escape_cell` may change (`_FORMULA_START` then decides):
#: a cheap test that spares the regex for nearly every cell.
FORMULA_FIRST = frozenset("'" + _FORMULA_CHARS)
#: The first character of the texts `unescape_cell` may change.
_QUOTE = frozenset("'")


def escape_cell(value: Any) -> Any:
    """Text a spreadsheet would read as a formula gets a leading apostrophe (reversible)."""
    if isinstance(value, str) and value[:1] in FORMULA_FIRST and _FORMULA_START.match(value):
        return "'" + value
    return value


def unescape_cell(value: Any) -> Any:
    """Undo `escape_cell` for text read back from our own CSV files."""
    if isinstance(value, str) and value.startswith("'") and _FORMULA_START.match(value):
        return value[1:]
    return value


def _map_texts(series: pd.Series, first: frozenset[str], change: Any) -> pd.Series | None:
    """`series.map(change)` for a `change` that alters only texts whose first character is in
    `first`; None when no text starts so, and the column can stay as it is.

    At 50,000 rows, calling `change` on every cell was a large part of writing or reading a CSV;
    looking at each text's first character takes milliseconds. A column holding anything but texts
    and None goes through `map` as before (which may convert its type, e.g. to numbers).
    """
    values = series.to_numpy()
    if not all(value is None or value.__class__ is str for value in values):
        return series.map(change)
    hits = [index for index, value in enumerate(values) if value and value[0] in first]
    if not hits:
        return None
    out = values.copy()
    for index in hits:
        out[index] = change(out[index])
    return pd.Series(out, index=series.index, name=series.name, dtype=object)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Run a block without Python's cyclic garbage collector (restored after, if it was on).

    For code that builds hundreds of thousands of small containers it keeps (a workbook's cell
    records, every work's verdicts): each few hundred allocations the collector would otherwise
    walk the ever-growing heap again, about a tenth of such a block's time. Memory is not at stake:
    what these blocks make lives until they end, and their temporaries are freed by refcounting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it over `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str, sort_keys=False) + "\n")


def frame_to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8, `\\n` line ends) with formula-like text escaped."""
    safe = frame.copy()
    for position in range(safe.shape[1]):
        series = safe.iloc[:, position]
        if series.dtype == object:
            escaped = _map_texts(series, FORMULA_FIRST, escape_cell)
            if escaped is not None:
                safe.isetitem(position, escaped)
        elif pd.api.types.is_string_dtype(series):
            safe.isetitem(position, series.map(escape_cell))
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return buffer.getvalue().encode("utf-8")


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    write_bytes(path, frame_to_csv_bytes(frame))


def read_csv(path: Path, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV this project wrote: everything as text (ids stay ids), escapes undone."""
    if not Path(path).exists():
        raise StageError(f"missing input: {path}", hint="run the earlier stage first (see `slr status`)")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], **kwargs)
    frame = frame.astype(object).where(frame.notna(), None)
    for position in range(frame.shape[1]):
        unescaped = _map_texts(frame.iloc[:, position], _QUOTE, unescape_cell)
        if unescaped is not None:
            frame.isetitem(position, unescaped)
    if "year" in frame.columns:
        frame["year"] = pd.array(pd.to_numeric(frame["year"], errors="coerce"), dtype="Int64")
    return frame


def append_csv_rows(path: Path, rows: list[Mapping[str, Any]], columns: list[str]) -> None:
    """Append rows to a ledger CSV atomically (copy + append + rename); header on first write."""
    existing = Path(path).read_bytes() if Path(path).exists() else b""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="raise")
    if not existing:
        writer.writeheader()
    for row in rows:
        writer.writerow({k: escape_cell(v) for k, v in row.items()})
    write_bytes(path, existing + buffer.getvalue().encode("utf-8"))


class ReviewStore:
    """Paths of one review (`root`, protocol id) and the manifests of its stages."""

    def __init__(self, root: Path, review_id: str) -> None:
        self.root = Path(root)
        self.review_id = review_id

    @property
    def data_dir(self) -> Path:
        return self.root / "data" / self.review_id

    @property
    def outputs_dir(self) -> Path:
        return self.root / "outputs" / self.review_id

    @property
    def ledger_dir(self) -> Path:
        return self.data_dir / "ledger"

    def stage_dir(self, stage: str) -> Path:
        return self.outputs_dir / STAGES[stage]

    def imports_dir(self, source: str) -> Path:
        return self.data_dir / "imports" / source

    def raw_dir(self, source: str) -> Path:
        return self.data_dir / "raw" / source

    def manifest_path(self, stage: str) -> Path:
        return self.stage_dir(stage) / "manifest.json"

    def read_manifest(self, stage: str) -> dict[str, Any] | None:
        path = self.manifest_path(stage)
        if not path.exists():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{path} is not a readable manifest ({exc})",
                             hint=f"delete {path} and re-run the stage") from None

    def write_manifest(self, stage: str, manifest: Mapping[str, Any]) -> None:
        write_json(self.manifest_path(stage), dict(manifest))

    def relative(self, path: Path) -> str:
        """A path as written in manifests and logs: relative to the review root when inside it."""
        try:
            return str(Path(path).resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)
