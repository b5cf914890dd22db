"""The protocol: a YAML file loaded into frozen dataclasses and validated on load.

Validation is driven by the dataclasses themselves (field names, type hints, and `metadata` for
ranges, choices and file existence), so a later stage adds a protocol key by adding a field.
Every error names the YAML path (`sources[2].format`) and suggests the closest valid key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from .errors import ConfigError, did_you_mean

FILE_FORMATS = ("ris", "wos", "bibtex", "endnote_xml", "nbib", "csv", "tsv", "xlsx", "reflist")
API_TYPES = ("openalex", "crossref", "eric", "semantic_scholar", "arxiv", "europepmc", "doaj", "core")
SOURCE_TYPES = ("file", *API_TYPES)
_EXTENSIONS = {
    ".ris": "ris", ".bib": "bibtex", ".bibtex": "bibtex", ".xml": "endnote_xml", ".nbib": "nbib",
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx",
}


def _range(low: float | None = None, high: float | None = None) -> dict[str, Any]:
    return {"range": (low, high)}


@dataclass(frozen=True)
class FileSource:
    """Records exported from a database without an open API, or a reference list."""

    name: str
    path: Path = field(metadata={"must_exist": True})
    type: Literal["file"] = "file"
    format: str | None = field(default=None, metadata={"choices": FILE_FORMATS})
    id_column: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    sheet: str | None = None
    database: str | None = None
    platform: str | None = None
    query: str | None = None
    searched_on: dt.date | None = None
    optional: bool = False

    def resolved_format(self) -> str | None:
        """The format named in the protocol, or the one the file's extension implies."""
        return self.format or _EXTENSIONS.get(self.path.suffix.lower())


@dataclass(frozen=True)
class ApiSource:
    """A live database search through its API (connectors in `pipeline/sources/`)."""

    name: str
    type: str = field(metadata={"choices": API_TYPES})
    query: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    max_records: int | None = field(default=None, metadata=_range(1, None))
    base_url: str | None = None
    database: str | None = None
    optional: bool = False


Source = Union[FileSource, ApiSource]


@dataclass(frozen=True)
class DedupeConfig:
    """Deduplication settings (the `dedupe:` section)."""

    enabled: bool = True


@dataclass(frozen=True)
class YearRule:
    after: int | None = field(default=None, metadata=_range(1500, 2100))
    before: int | None = field(default=None, metadata=_range(1500, 2100))


@dataclass(frozen=True)
class ScreeningConfig:
    """Screening criteria (the `screening:` section)."""

    years: YearRule = field(default_factory=YearRule)
    languages: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    accept_proposals: bool = False


@dataclass(frozen=True)
class SynthesisConfig:
    """Synthesis and report settings (the `synthesis:` section)."""

    title: str | None = None


@dataclass(frozen=True)
class Protocol:
    """A whole review protocol. `root` is the review root every relative path is resolved from."""

    id: str
    title: str
    research_questions: dict[str, str]
    sources: tuple[Source, ...]
    dedupe: DedupeConfig = field(default_factory=DedupeConfig)
    screening: ScreeningConfig = field(default_factory=ScreeningConfig)
    codebook: Path | None = field(default=None, metadata={"must_exist": True})
    synthesis: SynthesisConfig = field(default_factory=SynthesisConfig)
    root: Path = field(default=Path("."), metadata={"internal": True})
    path: Path = field(default=Path("config/review.yaml"), metadata={"internal": True})
    checksum: str = field(default="", metadata={"internal": True})

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        names = [s.name for s in self.sources]
        raise ConfigError(f'no source named "{name}" in {self.path}{did_you_mean(name, names)}',
                          hint=f"sources are: {', '.join(names)}")

    def section_checksum(self, *names: str) -> str:
        """A checksum of the named protocol sections, so a stage is stale only when its part changes."""
        raw = yaml.safe_load(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
        chosen = {name: (raw or {}).get(name) for name in names}
        return hashlib.sha256(repr(sorted(chosen.items())).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Loading


def load_protocol(path: Path | str, root: Path | str | None = None) -> Protocol:
    """Read and validate a protocol file; relative paths inside it resolve against `root`."""
    path = Path(path)
    root = Path(root) if root is not None else Path.cwd()
    if not path.is_absolute():
        path = root / path
    if not path.exists():
        raise ConfigError(f"protocol file not found: {path}",
                          hint="pass -c/--config PATH, or create one with `slr init DIR`")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (byte {exc.start})", hint="save the protocol as UTF-8") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}",
                          hint="check indentation and quote values that contain ':' or '#'") from None
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: the protocol must be a mapping of keys (id, title, research_questions, sources)")
    loader = _Loader(root=root.resolve(), file=path)
    protocol = loader.build(Protocol, data, "")
    names = [s.name for s in protocol.sources]
    for index, name in enumerate(names):
        if names.index(name) != index:
            raise ConfigError(f'{path}: sources[{index}].name: "{name}" is used twice', hint="give every source its own name")
    if not protocol.sources:
        raise ConfigError(f"{path}: sources: at least one source is needed")
    checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return dataclasses.replace(protocol, root=root.resolve(), path=path, checksum=checksum)


class _Loader:
    def __init__(self, root: Path, file: Path) -> None:
        self.root = root
        self.file = file

    def fail(self, where: str, message: str, hint: str | None = None) -> typing.NoReturn:
        raise ConfigError(f"{self.file}: {where or '(top level)'}: {message}", hint=hint)

    def build(self, cls: type, data: Any, where: str) -> Any:
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            self.fail(where, f"expected a mapping of keys, got {_kind(data)}")
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
        for key in data:
            if key not in fields:
                self.fail(_join(where, str(key)), f'unknown key "{key}"{did_you_mean(str(key), fields)}',
                          hint=f"valid keys here: {', '.join(fields)}")
        values = {}
        for name, f in fields.items():
            path = _join(where, name)
            if name not in data:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    self.fail(path, "this key is required")
                continue
            values[name] = self.value(hints[name], data[name], path, f.metadata)
        return cls(**values)

    def value(self, hint: Any, value: Any, where: str, meta: Mapping[str, Any]) -> Any:
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (Union, types.UnionType):
            if value is None and type(None) in args:
                return None
            options = [a for a in args if a is not type(None)]
            if hint == Source or set(options) == {FileSource, ApiSource}:
                return self.source(value, where)
            return self.value(options[0], value, where, meta)
        if origin is Literal:
            if value not in args:
                self.fail(where, f'"{value}" is not allowed{did_you_mean(str(value), map(str, args))}',
                          hint=f"allowed: {', '.join(map(str, args))}")
            return value
        if origin is tuple:
            items = value if isinstance(value, list) else None
            if items is None:
                self.fail(where, f"expected a list, got {_kind(value)}")
            return tuple(self.value(args[0], item, f"{where}[{i}]", {}) for i, item in enumerate(items))
        if origin is dict:
            if not isinstance(value, Mapping):
                self.fail(where, f"expected a mapping, got {_kind(value)}")
            return {str(k): (self.value(args[1], v, _join(where, str(k)), {}) if args[1] is not Any else v)
                    for k, v in value.items()}
        if dataclasses.is_dataclass(hint):
            return self.build(hint, value, where)
        if hint is Path:
            if not isinstance(value, str) or not value.strip():
                self.fail(where, f"expected a file path, got {_kind(value)}")
            path = Path(value)
            path = path if path.is_absolute() else self.root / path
            if meta.get("must_exist") and not path.exists():
                self.fail(where, f"file not found: {path}", hint="paths are relative to the review root (--root)")
            return path
        if hint is dt.date:
            if isinstance(value, dt.date):
                return value
            try:
                return dt.date.fromisoformat(str(value))
            except ValueError:
                self.fail(where, f'"{value}" is not a date', hint="write dates as YYYY-MM-DD")
        if hint is bool:
            if not isinstance(value, bool):
                self.fail(where, f"expected true or false, got {_kind(value)}")
            return value
        if hint in (int, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not ok or (hint is int and isinstance(value, float)):
                self.fail(where, f"expected {'a whole number' if hint is int else 'a number'}, got {_kind(value)}")
            low, high = meta.get("range", (None, None))
            if (low is not None and value < low) or (high is not None and value > high):
                bounds = f"at least {low}" if high is None else f"between {low} and {high}"
                self.fail(where, f"{value} is out of range: must be {bounds}")
            return value
        if hint is str:
            if isinstance(value, (dict, list)) or value is None:
                self.fail(where, f"expected text, got {_kind(value)}")
            text = str(value)
            choices = meta.get("choices")
            if choices and text not in choices:
                self.fail(where, f'"{text}" is not one of the allowed values{did_you_mean(text, choices)}',
                          hint=f"allowed: {', '.join(choices)}")
            return text
        if hint is Any:
            return value
        raise TypeError(f"config loader cannot handle {hint!r} at {where}")  # a bug, not a user error

    def source(self, value: Any, where: str) -> Source:
        if not isinstance(value, Mapping):
            self.fail(where, f"expected a mapping (name, type, …), got {_kind(value)}")
        kind = value.get("type")
        if kind is None:
            self.fail(_join(where, "type"), "this key is required", hint=f"one of: {', '.join(SOURCE_TYPES)}")
        if kind not in SOURCE_TYPES:
            self.fail(_join(where, "type"), f'unknown source type "{kind}"{did_you_mean(str(kind), SOURCE_TYPES)}',
                      hint=f"one of: {', '.join(SOURCE_TYPES)}")
        if kind == "file":
            source = self.build(FileSource, value, where)
            if source.resolved_format() is None and source.path.suffix.lower() != ".txt":
                self.fail(_join(where, "format"), f'cannot tell the format of "{source.path.name}" from its extension',
                          hint=f"set format: to one of {', '.join(FILE_FORMATS)}")
            return source
        return self.build(ApiSource, value, where)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a true/false value ({value})"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    return f'text ("{value}")'
