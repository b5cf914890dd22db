"""A stage's declared inputs as they are on disk now: located, and fingerprinted for the manifest.

A manifest keeps, per declared input, the checksum it had when the stage ran (`null` when the
input did not exist: a ledger before the first import, say), so that an input which changed,
appeared or disappeared since makes the stage stale. A folder input (the full texts) keeps the
checksum of every file in it, so the stage can say which file was added, removed or changed.

Checksums are the truth; size and modification time only spare re-reading a file whose size and
time are those the manifest recorded (as git's index does), which keeps `slr status` quick on
large ledgers and full-text folders.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..stage_table import STAGES_BY_NAME, Input, Ledger, Output, ProtocolPath, SourceFiles, Stage
from ..store import sha256_file

if TYPE_CHECKING:
    from .context import Context


@dataclass(frozen=True)
class Located:
    """One declared input of a stage, resolved to a path (which may not exist)."""

    key: str  # as written in the manifest: the path relative to the review root
    path: Path
    folder: bool = False


def applies(ctx: Context, stage: Stage) -> bool:
    """Whether the protocol asks for this stage (`code` needs a codebook)."""
    return stage.needs is None or protocol_value(ctx, stage.needs) is not None


def protocol_value(ctx: Context, key: str) -> Any:
    value: Any = ctx.protocol
    for part in key.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def locate(ctx: Context, stage: Stage) -> list[Located]:
    """Every input the stage declares, as paths under this review (inputs that do not apply left out)."""
    found: list[Located] = []
    for item in stage.reads:
        for path, folder in _paths(ctx, item):
            found.append(Located(ctx.store.relative(path), path, folder))
    return found


def _paths(ctx: Context, item: Input) -> Iterator[tuple[Path, bool]]:
    if isinstance(item, Output):
        if applies(ctx, STAGES_BY_NAME[item.stage]):
            yield ctx.store.stage_dir(item.stage) / item.name, False
    elif isinstance(item, Ledger):
        yield ctx.store.ledger_dir / item.name, False
    elif isinstance(item, ProtocolPath):
        value = protocol_value(ctx, item.key)
        if value is not None:
            yield _under_root(ctx, Path(value)), item.folder
    elif isinstance(item, SourceFiles):
        for source in ctx.protocol.sources:
            if getattr(source, "type", None) in ("file", "suggestions"):  # suggestions are a file too
                yield _under_root(ctx, Path(source.path)), False
            elif getattr(source, "type", None) == "citations":
                # `slr snowball` keeps its iterations here; search rebuilds their records from them.
                yield ctx.store.raw_dir(source.name), True
    else:  # pragma: no cover - a new kind of input must be handled here
        raise TypeError(f"unknown input kind {item!r}")


def _under_root(ctx: Context, path: Path) -> Path:
    return path if path.is_absolute() else ctx.root / path


@dataclass
class Fingerprint:
    """What the manifest records of a stage's inputs."""

    #: key → sha256 of the file, or None when the input did not exist.
    files: dict[str, str | None]
    #: key → [size, mtime_ns] of each file found (lets a later check skip hashing an unchanged file).
    stamps: dict[str, list[int]]
    #: folder key → {file name inside: sha256}.
    folders: dict[str, dict[str, str]]
    #: upstream stage → when its last run finished (a stage that re-ran makes this one stale).
    upstream: dict[str, str | None]

    def to_manifest(self) -> dict[str, Any]:
        return {"inputs": self.files, "input_stamps": self.stamps, "input_folders": self.folders,
                "upstream_runs": self.upstream}


def fingerprint(ctx: Context, stage: Stage, previous: Mapping[str, Any] | None = None) -> Fingerprint:
    """Checksum every declared input; `previous` (a manifest) lets unchanged files skip hashing."""
    known = _KnownStamps(previous or {})
    files: dict[str, str | None] = {}
    stamps: dict[str, list[int]] = {}
    folders: dict[str, dict[str, str]] = {}
    for item in locate(ctx, stage):
        if item.folder:
            folders[item.key] = {}
            if item.path.is_dir():
                for inner in sorted(p for p in item.path.rglob("*") if p.is_file() and not p.name.startswith(".")):
                    name = inner.relative_to(item.path).as_posix()
                    folders[item.key][name] = known.sha(f"{item.key}/{name}", inner, stamps)
            continue
        files[item.key] = known.sha(item.key, item.path, stamps) if item.path.is_file() else None
    upstream = {name: (ctx.store.read_manifest(name) or {}).get("finished_at") for name in stage.upstream()
                if applies(ctx, STAGES_BY_NAME[name])}
    return Fingerprint(files, stamps, folders, upstream)


class _KnownStamps:
    """Checksums from the last manifest, reused where a file's size and mtime are unchanged."""

    def __init__(self, manifest: Mapping[str, Any]) -> None:
        self.stamps = manifest.get("input_stamps") or {}
        self.shas: dict[str, str] = {k: v for k, v in (manifest.get("inputs") or {}).items() if isinstance(v, str)}
        for folder, listing in (manifest.get("input_folders") or {}).items():
            for name, sha in listing.items():
                self.shas[f"{folder}/{name}"] = sha

    def sha(self, key: str, path: Path, stamps: dict[str, list[int]]) -> str:
        info = path.stat()
        stamp = [info.st_size, info.st_mtime_ns]
        stamps[key] = stamp
        if self.stamps.get(key) == stamp and key in self.shas:
            return self.shas[key]
        return sha256_file(path)


def first_difference(recorded: Mapping[str, Any], now: Fingerprint) -> str | None:
    """Why the inputs differ from what the manifest recorded, naming the input; None if they don't."""
    before: Mapping[str, Any] = recorded.get("inputs") or {}
    for key, sha in now.files.items():
        was = before.get(key)
        if was == sha:
            continue
        if was is None:
            return f"input appeared: {key}"
        if sha is None:
            return f"input deleted: {key}"
        return f"input changed: {key}"
    folders_before: Mapping[str, Mapping[str, str]] = recorded.get("input_folders") or {}
    for key, listing in now.folders.items():
        was_listing = folders_before.get(key)
        if was_listing is None:
            # A manifest from before folders were recorded: only a non-empty folder is news.
            if listing:
                return f"input changed: {key}/ (not recorded by the last run)"
            continue
        for name in sorted(set(listing) | set(was_listing)):
            if name not in was_listing:
                return f"input changed: {key}/ (new file {name})"
            if name not in listing:
                return f"input changed: {key}/ (file removed: {name})"
            if listing[name] != was_listing[name]:
                return f"input changed: {key}/{name}"
    for key, was in before.items():
        if key not in now.files and was is not None and key not in now.folders:
            return f"input no longer read: {key}"
    runs_before: Mapping[str, Any] = recorded.get("upstream_runs") or {}
    for name, finished in now.upstream.items():
        if name in runs_before and runs_before[name] != finished:
            return f"{STAGES_BY_NAME[name].folder} re-ran since (finished {finished})"
    return None
