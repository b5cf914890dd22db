"""Shared test helpers. Test data lives under tests/data/ (copied from ../shared with provenance)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    return DATA
