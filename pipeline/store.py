"""The review directory: where every file lives, and how it is written.

`data/<id>/` holds what cannot be regenerated (copies of imported files, raw API pages, ledgers of
human decisions); `outputs/<id>/NN_stage/` holds what can. Every write goes to a temporary file in
the same folder and is renamed into place, so a failed command leaves earlier files as they were.
Every write goes through `atomic_path`, which refuses a target that does not resolve under the review
root (`confine_writes`; symlinks are followed before the check), gives the file the mode the umask
asks for (mkstemp alone makes 0600), and removes slr's own temporary files left by a killed run.
CSV cells that a spreadsheet would run as a formula are written as text (see `escape_cell`).
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import gc
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from .errors import InputError, PipelineError, StageError
from .stage_table import STAGE_FOLDERS, Ledger, Output

if TYPE_CHECKING:  # pandas loads where a table is read or written, not at start-up
    import pandas as pd

#: Stage folders under outputs/<id>/ (declared with each stage in pipeline/stage_table.py).
STAGES: dict[str, str] = STAGE_FOLDERS

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
    import pandas as pd

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


#: The review root every write must stay under (set by `confine_writes`; None: not confined, e.g.
#: `slr init` before a review exists or `slr screen simulate --out DIR`, which need no review).
_WRITE_ROOT: contextvars.ContextVar[Path | None] = contextvars.ContextVar("slr_write_root", default=None)
#: slr's own temporary files: `.<name>.<8 random characters>.tmp` beside their target.
TMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")
#: Temporary files younger than this may belong to a command still running in the same folder.
STALE_TMP_SECONDS = 60.0


class OutsideRootError(PipelineError):
    """A write would land outside the review root (a hostile id, name or symlink)."""

    exit_code = 2


def confine_writes(root: Path | None) -> None:
    """Make every later write of this process (context) refuse targets outside `root`."""
    _WRITE_ROOT.set(Path(root).resolve() if root is not None else None)


def check_inside_root(path: Path) -> Path:
    """`path` itself when it resolves (symlinks followed) under the confined review root."""
    root = _WRITE_ROOT.get()
    if root is None:
        return Path(path)
    resolved = Path(path).resolve()
    if resolved != root and root not in resolved.parents:
        raise OutsideRootError(f"refusing to write {path}: it is outside the review root {root}",
                               hint="review ids and source names are plain names (letters, digits, - and _); "
                                    "a symlink inside the review must not point outside it")
    return Path(path)


def make_dirs(folder: Path) -> Path:
    """`mkdir -p` for a folder that must be inside the review root."""
    check_inside_root(folder)
    Path(folder).mkdir(parents=True, exist_ok=True)
    check_inside_root(folder)  # a symlink created meanwhile
    return Path(folder)


def _umask() -> int:
    # os.umask can only be read by setting it; set it back at once (single-threaded at this point).
    current = os.umask(0o022)
    os.umask(current)
    return current


_SWEPT: set[Path] = set()


def remove_stale_tmp(folder: Path, *, older_than: float = STALE_TMP_SECONDS) -> list[Path]:
    """Delete slr's own temporary files a killed command left in `folder` (once per folder and
    process). Only names matching `TMP_NAME` and older than `older_than` seconds, so a command
    running at the same moment in the same review keeps its own."""
    folder = Path(folder)
    if folder in _SWEPT:
        return []
    _SWEPT.add(folder)
    removed = []
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if TMP_NAME.match(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    if now - entry.stat(follow_symlinks=False).st_mtime >= older_than:
                        os.unlink(entry.path)
                        removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it over `path` only if the block succeeds.

    The target must resolve under the review root (see `confine_writes`); the file gets
    0666 & ~umask like any file a program creates, and stale temporary files of earlier killed
    commands in the same folder are removed first."""
    path = check_inside_root(Path(path))
    make_dirs(path.parent)
    remove_stale_tmp(path.parent)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def copy_file(source: Path, target: Path) -> None:
    """Copy a file (from anywhere) to `target` inside the review, atomically."""
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)


def remove_file(path: Path) -> None:
    """Delete an output file of ours (inside the review root)."""
    check_inside_root(path)
    Path(path).unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str, sort_keys=False) + "\n")


def frame_to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8, `\\n` line ends) with formula-like text escaped."""
    import pandas as pd

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
    import pandas as pd

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


#: How long an import waits for another import of the same ledger to finish (seconds).
LOCK_TIMEOUT = 120.0


@contextlib.contextmanager
def ledger_lock(path: Path) -> Iterator[None]:
    """Hold the lock of a ledger (`.<name>.lock` beside it) while reading and appending to it.

    Two imports at once (two reviewers' workbooks) each read the ledger, add their rows and
    rename a new copy into place; without the lock the second rename drops the first's rows.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path.parent / f".{path.name}.lock"), timeout=LOCK_TIMEOUT)
    try:
        with lock:
            yield
    except Timeout:
        raise StageError(f"{path}: another slr command has held this ledger for {LOCK_TIMEOUT:.0f} s",
                         hint="wait for the other import to finish and run this one again") from None


def append_ledger(path: Path, columns: list[str],
                  select: Any) -> list[Mapping[str, Any]]:
    """Append to a ledger the rows `select(existing ledger or None)` returns, all under its lock.

    The read, the choice of new rows (`roundtrip.new_ledger_rows`: what the ledger lacks) and the
    write happen while the lock is held, so a concurrent import sees every row the other added.
    A ledger whose header lacks columns added since (e.g. the coders' `evidence`) is rewritten
    with the new header, its rows unchanged and the new columns empty. Returns the rows added.
    """
    path = Path(path)
    with ledger_lock(path):
        existing = read_csv(path) if path.exists() and path.stat().st_size else None
        rows = list(select(existing))
        if rows:
            if existing is not None and list(existing.columns) != list(columns):
                unknown = [c for c in existing.columns if c not in columns]
                if unknown:
                    raise StageError(f"{path}: the ledger has columns slr does not know ({', '.join(unknown)})",
                                     hint="restore the ledger from your backup or version control")
                write_bytes(path, frame_to_csv_bytes(existing.reindex(columns=columns)))
            append_csv_rows(path, rows, columns)
        return rows


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

    @property
    def workbooks_dir(self) -> Path:
        """Workbooks people fill in (dedupe review, screening, conflicts, coding): under data/,
        so that `rm -rf outputs` cannot take typed decisions with it."""
        return self.data_dir / "workbooks"

    def stage_dir(self, stage: str) -> Path:
        return self.outputs_dir / STAGES[stage]

    def output(self, item: Output) -> Path:
        """Where a file one stage writes for later stages lives (see pipeline/stage_table.py)."""
        return self.stage_dir(item.stage) / item.name

    def ledger(self, item: Ledger) -> Path:
        return self.ledger_dir / item.name

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
