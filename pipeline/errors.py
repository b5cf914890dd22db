"""One exception family for everything a user can get wrong.

Every error says what failed, where (file, row, cell, YAML key) and what to do next. The CLI turns
these into `Error: …` and an exit code (`EXIT_CODES` below is the one place the codes live); a
traceback is shown only with `--debug`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable


class PipelineError(Exception):
    """Base class: a message for people, an optional hint, and an exit code."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  Hint: {self.hint}"


class ConfigError(PipelineError):
    """The protocol (YAML) is invalid: unknown key, wrong type, bad range, missing file."""

    exit_code = 2


class InputError(PipelineError):
    """An input file cannot be read: unknown format, bad encoding, broken structure."""

    exit_code = 3


class SourceError(PipelineError):
    """A search source (an API) failed: HTTP error, bad key, truncated response."""

    exit_code = 4


class WorkbookError(PipelineError):
    """A reviewer workbook failed validation on import; nothing was written."""

    exit_code = 5


class StageError(PipelineError):
    """A stage cannot run: its inputs are missing, or an invariant broke."""

    exit_code = 6


#: Longest message shown (characters); the rest is cut with a note (a NUL-filled CSV once put
#: 5,000 NUL bytes into one message).
MAX_MESSAGE = 2000
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def render(error: BaseException) -> str:
    """An error's text as the terminal shows it: control characters made visible (`\\x00`), the
    message and the hint each cut to `MAX_MESSAGE` characters. The one place messages are rendered."""
    if isinstance(error, PipelineError):
        message = _shown(error.message)
        return message if not error.hint else f"{message}\n  Hint: {_shown(error.hint)}"
    return _shown(str(error))


def _shown(text: str) -> str:
    text = _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), str(text))
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + f" … ({len(text) - MAX_MESSAGE:,} more characters)"
    return text


EXIT_CODES: dict[type[PipelineError], int] = {
    cls: cls.exit_code
    for cls in (PipelineError, ConfigError, InputError, SourceError, WorkbookError, StageError)
}


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The closest valid key to a typo, or None when nothing is near."""
    matches = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean "x"?)' or '' — for appending to a message."""
    best = closest(word, choices)
    return f' (did you mean "{best}"?)' if best else ""
