"""Shared test helpers. Test data lives under tests/data/ (copied from ../shared with provenance).

No test reaches the network: connections to anything but this machine fail at once (instead of
waiting out the HTTP layer's retries), naming the address, so a test that forgot `--offline` or a
local server says so.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"
_LOCAL = ("127.0.0.1", "::1", "localhost")


class NetworkInTests(RuntimeError):
    """Not an OSError, so that no retry loop takes it for a dropped connection."""


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in _LOCAL:
            raise NetworkInTests(f"tests do not reach the network (tried {address})")
        return real_connect(sock, address)

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in _LOCAL and host is not None:
            raise NetworkInTests(f"tests do not reach the network (tried to resolve {host})")
        return real_getaddrinfo(host, *args, **kwargs)

    real_getaddrinfo = socket.getaddrinfo
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket, "getaddrinfo", resolve)
        yield


ROOT = Path(__file__).parents[1]


def copy_demo(target: Path) -> Path:
    """A copy of the demo review (its protocols and data/demo/) at `target`, without the copies
    `slr search` keeps of earlier imports (folders next to the files): every file is imported in
    the test's own run, as in a review's first run, and without what `make demo` leaves in data/demo/
    (workbooks, their key). (The demo's committed kept copies date its two runs for the published
    site; tests/report/test_site_browser.py keeps them.)"""
    import shutil

    def kept_copies(folder: str, names: list[str]) -> list[str]:
        if Path(folder) == ROOT / "data" / "demo":
            # What `make demo` leaves (the reviewers' workbooks and their key) is not the demo's:
            # a test sees the same review whether or not `make demo` ran first.
            return [n for n in names if n in ("workbooks", ".workbook_key")]
        return [n for n in names if Path(folder).name == "imports" and (Path(folder) / n).is_dir()]

    shutil.copytree(ROOT / "config", target / "config")
    shutil.copytree(ROOT / "data" / "demo", target / "data" / "demo", ignore=kept_copies)
    return target
@pytest.fixture(autouse=True)
def _writes_not_confined() -> Iterator[None]:
    """Each test starts with writes unconfined (Context.load confines them to its review root)."""
    from pipeline.store import confine_writes

    confine_writes(None)
    yield
    confine_writes(None)


@pytest.fixture(scope="session")
def demo_two_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo run end to end once, *with* its committed kept copies, which date its two runs
    (2026-11-20 and 2026-12-01, data/demo/imports/PROVENANCE.md): the published site then has new
    marks, an update history of two runs and a feed of the second run's additions. Without what
    `make demo` leaves in data/demo/ (workbooks, their key), as a fresh clone has it."""
    import shutil

    from pipeline.cli import main

    root = tmp_path_factory.mktemp("demo_two_runs")
    shutil.copytree(ROOT / "config", root / "config")
    shutil.copytree(ROOT / "data" / "demo", root / "data" / "demo",
                    ignore=lambda folder, names: [n for n in names if Path(folder).name == "demo"
                                                  and n in ("workbooks", ".workbook_key")])
    assert main(["--root", str(root), "-c", "config/demo.yaml", "run", "--offline"]) == 0
    return root
