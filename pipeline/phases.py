"""The screening phases: title/abstract, then full text.

"Phase" is a screening round; "stage" is a step of the pipeline (pipeline/stage_table.py).
Plain data, importable without pandas so that the CLI can offer the phases as fixed choices.
"""

from __future__ import annotations

from enum import Enum

#: In the order a work goes through them.
PHASES: tuple[str, ...] = ("title_abstract", "full_text")


class Phase(str, Enum):
    """A screening phase as a fixed choice on the command line (`--phase full_text`)."""

    title_abstract = "title_abstract"
    full_text = "full_text"
