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
from ..store import ReviewStore, confine_writes, sha256_file

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

    @classmethod
    def load(cls, root: Path | str = ".", config: Path | str = "config/review.yaml", **kwargs: Any) -> "Context":
        root = Path(root).resolve()
        protocol = load_protocol(config, root=root)
        confine_writes(root)  # from here on, every write must land under the review root
        return cls(root=root, protocol=protocol, store=ReviewStore(root, protocol.id), **kwargs)

    def manifest(self, stage: str, *, inputs: list[Path], sections: tuple[str, ...], counts: dict[str, Any],
                 started: dt.datetime, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """A stage manifest: what went in (checksums), which protocol sections, what came out."""
        finished = self.clock()
        return {
            "stage": stage,
            "review": self.protocol.id,
            "protocol": self.store.relative(self.protocol.path),
            "protocol_sections": list(sections),
            "protocol_checksum": self.protocol.section_checksum(*sections),
            "inputs": {self.store.relative(p): sha256_file(p) for p in inputs if Path(p).is_file()},
            "counts": counts,
            "started_at": started.isoformat(),
            "finished_at": finished.isoformat(),
            "seconds": round((finished - started).total_seconds(), 3),
            "versions": {"slr": __version__, "python": sys.version.split()[0], "platform": platform.platform(terse=True)},
            **(extra or {}),
        }
