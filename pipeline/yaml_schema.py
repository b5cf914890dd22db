"""YAML files read safely, and validated into frozen dataclasses (the protocol, the codebook).

- `load_yaml` / `read_yaml`: `yaml.SafeLoader` with YAML 1.2's booleans (only true and false:
  `include: [NO]` stays Norway) and alias expansion bounded (`yaml_limits`); a bad file is a
  ConfigError naming the line.
- `SectionLoader`: builds a dataclass from a mapping, driven by the dataclass itself (field names,
  type hints, and `metadata` for ranges, choices, patterns and file existence), so a new key is a
  new field. Every error names the file and the YAML path (`sources[2].format`) and suggests the
  closest valid key. A subclass decides what a union of dataclasses means (`union`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from . import yaml_limits
from .errors import ConfigError, did_you_mean


class Yaml12Loader(yaml.SafeLoader):
    """`yaml.SafeLoader` with YAML 1.2's booleans: only true and false.

    PyYAML follows YAML 1.1, where yes, no, on, off, y and n are booleans too: `include: [NO]`
    (Norway) became False. Here those words stay text; true/True/TRUE and false/False/FALSE
    remain booleans.
    """


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                   list("tTfF"))


_WORD_BOOLS = {"yes": True, "on": True, "y": True, "no": False, "off": False, "n": False}


def load_yaml(text: str) -> Any:
    """Parse YAML text safely, with YAML 1.2's booleans (`Yaml12Loader`) and alias expansion
    bounded (`yaml_limits`)."""
    return yaml_limits.bounded_load(text, Yaml12Loader)


def read_yaml(path: Path) -> tuple[str, Any]:
    """A YAML file's text and its data (`load_yaml`: safe, YAML 1.2 booleans), or a ConfigError naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (byte {exc.start})", hint="save the file as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read ({exc.strerror or type(exc).__name__})",
                          hint="pass -c/--config with a readable YAML file") from None
    try:
        return text, load_yaml(text)
    except yaml_limits.TooManyNodes as exc:
        raise ConfigError(f"{path}: {exc}", hint="write the values out; anchors (&) and aliases (*) may "
                          f"expand to at most {yaml_limits.MAX_NODES:,} values in all") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}",
                          hint="check indentation and quote values that contain ':' or '#'") from None


class SectionLoader:
    """Builds dataclasses from YAML mappings (see the module docstring); paths resolve against `root`."""

    def __init__(self, root: Path, file: Path) -> None:
        self.root = root
        self.file = file

    def fail(self, where: str, message: str, hint: str | None = None) -> typing.NoReturn:
        raise ConfigError(f"{self.file}: {where or '(top level)'}: {message}", hint=hint)

    def build(self, cls: type, data: Any, where: str) -> Any:
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            self.fail(where, f"expected a mapping of keys, got {kind_of(data)}")
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
        for key in data:
            if key not in fields:
                self.fail(key_path(where, str(key)), f'unknown key "{key}"{did_you_mean(str(key), fields)}',
                          hint=f"valid keys here: {', '.join(fields)}")
        values = {}
        for name, f in fields.items():
            path = key_path(where, name)
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
            return self.union(options, value, where, meta)
        if origin is Literal:
            if value not in args:
                self.fail(where, f'"{value}" is not allowed{did_you_mean(str(value), map(str, args))}',
                          hint=f"allowed: {', '.join(map(str, args))}")
            return value
        if origin is tuple:
            items = value if isinstance(value, list) else None
            if items is None:
                self.fail(where, f"expected a list, got {kind_of(value)}")
            return tuple(self.value(args[0], item, f"{where}[{i}]", {}) for i, item in enumerate(items))
        if origin is dict:
            if not isinstance(value, Mapping):
                self.fail(where, f"expected a mapping, got {kind_of(value)}")
            for key in value if meta.get("keys") else ():
                if str(key) not in meta["keys"]:
                    self.fail(key_path(where, str(key)), f'"{key}" is not one of the allowed keys'
                              f"{did_you_mean(str(key), meta['keys'])}", hint=f"allowed: {', '.join(meta['keys'])}")
            return {str(k): (self.value(args[1], v, key_path(where, str(k)), {}) if args[1] is not Any else v)
                    for k, v in value.items()}
        if dataclasses.is_dataclass(hint):
            return self.build(hint, value, where)
        if hint is Path:
            if not isinstance(value, str) or not value.strip():
                self.fail(where, f"expected a file path, got {kind_of(value)}")
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
            # YAML 1.1's yes/no/on/off are text under YAML 1.2 (`Yaml12Loader`); where a true/false
            # is expected they still mean one, so older protocols keep working.
            if isinstance(value, str) and value.strip().lower() in _WORD_BOOLS:
                return _WORD_BOOLS[value.strip().lower()]
            if not isinstance(value, bool):
                self.fail(where, f"expected true or false, got {kind_of(value)}")
            return value
        if hint in (int, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not ok or (hint is int and isinstance(value, float)):
                self.fail(where, f"expected {'a whole number' if hint is int else 'a number'}, got {kind_of(value)}")
            low, high = meta.get("range", (None, None))
            if (low is not None and value < low) or (high is not None and value > high):
                bounds = f"at least {low}" if high is None else f"between {low} and {high}"
                self.fail(where, f"{value} is out of range: must be {bounds}")
            return value
        if hint is str:
            if isinstance(value, (dict, list)) or value is None:
                self.fail(where, f"expected text, got {kind_of(value)}")
            text = str(value)
            pattern = meta.get("pattern")  # (compiled regex, the rule in words, an example)
            if pattern and not pattern[0].fullmatch(text):
                self.fail(where, f'"{text}" is not a plain name: {pattern[1]}', hint=pattern[2])
            choices = meta.get("choices")
            if choices and text not in choices:
                self.fail(where, f'"{text}" is not one of the allowed values{did_you_mean(text, choices)}',
                          hint=f"allowed: {', '.join(choices)}")
            return text
        if hint is Any:
            return value
        raise TypeError(f"config loader cannot handle {hint!r} at {where}")  # a bug, not a user error

    def union(self, options: list[Any], value: Any, where: str, meta: Mapping[str, Any]) -> Any:
        """A value whose type is a union of several types: the first one, unless a subclass knows better."""
        return self.value(options[0], value, where, meta)


def key_path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def kind_of(value: Any) -> str:
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
