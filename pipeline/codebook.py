"""The codebook: research question → theme → codes, each with a definition and patterns.

Loaded from YAML (`safe_load`) and validated like the protocol: unknown keys, wrong types and
missing keys name the YAML path and suggest the closest key. A code without any pattern is an
error (it could never be proposed), as is a regular expression that does not compile.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .config import build_section
from .yaml_schema import read_yaml
from .errors import ConfigError, did_you_mean


@dataclass(frozen=True)
class Code:
    definition: str
    terms: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Theme:
    label: str
    codes: dict[str, Code] = field(default_factory=dict)


@dataclass(frozen=True)
class Question:
    question: str
    themes: dict[str, Theme] = field(default_factory=dict)


@dataclass(frozen=True)
class Concept:
    """A named thing found by terms (a definition family, a definition element)."""

    label: str
    terms: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()


@dataclass(frozen=True)
class Definitions:
    """What the definitions table looks for: the defined subject, the families a definition may
    follow, and the elements a definition may contain (stages/code/definitions.py)."""

    subject: tuple[str, ...] = ()
    families: dict[str, Concept] = field(default_factory=dict)
    elements: dict[str, Concept] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """A heading of the report's key findings and the themes ("RQ1.definitions") it draws on."""

    heading: str
    themes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Codebook:
    version: str
    research_questions: dict[str, Question]
    title: str = ""
    definitions: Definitions | None = None
    #: Canonical value -> the spellings that mean it, for comparing issuers' extraction values.
    vocabulary: dict[str, tuple[str, ...]] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    path: Path = field(default=Path("config/codebook.yaml"), metadata={"internal": True})

    def codes(self) -> Iterator[tuple[str, str, str, Code]]:
        """(rq, theme, code name, code) for every code, in the file's order."""
        for rq, question in self.research_questions.items():
            for theme_name, theme in question.themes.items():
                for name, code in theme.codes.items():
                    yield rq, theme_name, name, code

    def themes(self) -> Iterator[tuple[str, str, Theme]]:
        for rq, question in self.research_questions.items():
            for theme_name, theme in question.themes.items():
                yield rq, theme_name, theme


def load_codebook(path: Path | str, root: Path | str = ".") -> Codebook:
    """Read and validate a codebook file (see the module docstring)."""
    path = Path(path)
    path = path if path.is_absolute() else Path(root) / path
    if not path.exists():
        raise ConfigError(f"codebook not found: {path}", hint="set codebook: in the protocol to the codebook's path")
    _, data = read_yaml(path)
    book = build_section(Codebook, data, root=Path(root), file=path)
    if not book.research_questions:
        raise ConfigError(f"{path}: research_questions: at least one research question is needed")
    for rq, question in book.research_questions.items():
        if not question.themes:
            raise ConfigError(f"{path}: research_questions.{rq}.themes: at least one theme is needed")
        for theme_name, theme in question.themes.items():
            where = f"research_questions.{rq}.themes.{theme_name}"
            if not theme.codes:
                raise ConfigError(f"{path}: {where}.codes: at least one code is needed")
            for name, code in theme.codes.items():
                at = f"{where}.codes.{name}"
                if not any(t.strip() for t in code.terms) and not code.regex:
                    raise ConfigError(f"{path}: {at}: the code has no pattern", hint="add terms: [...] or regex: [...]")
                for index, pattern in enumerate(code.regex):
                    try:
                        re.compile(pattern)
                    except re.error as exc:
                        raise ConfigError(f"{path}: {at}.regex[{index}]: not a regular expression ({exc})") from None
    themes = {f"{rq}.{theme}" for rq, theme, _ in book.themes()}
    for index, finding in enumerate(book.findings):
        for name in finding.themes:
            if name not in themes:
                raise ConfigError(f"{path}: findings[{index}].themes: \"{name}\" is not a theme{did_you_mean(name, themes)}",
                                  hint="name themes as RQ.theme, e.g. RQ1.definitions")
    return dataclasses.replace(book, path=path)
