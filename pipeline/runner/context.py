"""What every stage runner needs: the review root, the protocol, the store, the clock, progress."""

from __future__ import annotations

import contextlib
import datetime as dt
import platform
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import Protocol, load_protocol
from ..stage_table import STAGES_BY_NAME
from ..store import ReviewStore
from .inputs import Fingerprint, fingerprint

Echo = Callable[[str], None]
#: A progress callback: (records done, reported total or None).
Report = Callable[[int, "int | None"], None]
#: Opens a progress display for one label (a source, a stage) and yields its callback.
Tracker = Callable[[str], "contextlib.AbstractContextManager[Report]"]


@contextlib.contextmanager
def no_progress(label: str) -> Iterator[Report]:
    yield lambda done, total=None: None


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def run_id_for(moment: dt.datetime) -> str:
    """Run ids sort by time: 20261125T014500Z."""
    return moment.strftime("%Y%m%dT%H%M%SZ")


@dataclass
class Context:
    """One invocation of the pipeline on one review."""

    root: Path
    protocol: Protocol
    store: ReviewStore
    echo: Echo = field(default=lambda message: None)
    clock: Callable[[], dt.datetime] = utc_now
    #: Progress display per label; the CLI passes bars on a terminal and plain lines elsewhere.
    track: Tracker = no_progress
    #: Each stage's inputs as they were when it began (see `begin`).
    snapshots: dict[str, Fingerprint] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path | str = ".", config: Path | str = "config/review.yaml", **kwargs: Any) -> "Context":
        root = Path(root).resolve()
        protocol = load_protocol(config, root=root)
        return cls(root=root, protocol=protocol, store=ReviewStore(root, protocol.id), **kwargs)

    def begin(self, stage: str) -> dt.datetime:
        """Start a stage run: note the time and fingerprint its declared inputs *before* reading them.

        The manifest records this snapshot, so an input that changes while the stage runs (a
        ledger appended by a concurrent import) makes the stage stale afterwards instead of being
        recorded as seen.
        """
        self.snapshots[stage] = fingerprint(self, STAGES_BY_NAME[stage], self.store.read_manifest(stage))
        return self.clock()

    def manifest(self, stage: str, *, counts: dict[str, Any], started: dt.datetime,
                 extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """A stage manifest: its declared inputs (checksums), protocol sections, counts, versions."""
        finished = self.clock()
        sections = STAGES_BY_NAME[stage].sections
        inputs = self.snapshots.get(stage) or fingerprint(self, STAGES_BY_NAME[stage])
        return {
            "stage": stage,
            "review": self.protocol.id,
            "protocol": self.store.relative(self.protocol.path),
            "protocol_sections": list(sections),
            "protocol_checksum": self.protocol.section_checksum(*sections),
            **inputs.to_manifest(),
            "counts": counts,
            "started_at": started.isoformat(),
            "finished_at": finished.isoformat(),
            "seconds": round((finished - started).total_seconds(), 3),
            "versions": {"slr": __version__, "python": sys.version.split()[0], "platform": platform.platform(terse=True)},
            **(extra or {}),
        }
