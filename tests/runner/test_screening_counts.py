"""`slr screen status`, the screen manifest and prisma.json give the same screening counts (issue 15,
item 2): a review with a conflict at each phase, a full-text maybe and undecided works."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.runner.test_dual_review_scenario import decide, ids
from tests.runner.test_screen import PROTOCOL, book, out, slr
from tests.runner.test_screen import review as review  # noqa: F401 - the fixture

REASON = "not about micro-credentials"


def test_status_manifest_and_prisma_json_agree(review: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    (review / "config" / "review.yaml").write_text(PROTOCOL + "  reviewers: 2\n")
    assert slr(review, "screen", "--reviewer", "ana", "--reviewer", "bo") == 0
    w = ids(book(review, "ana"))[:5]
    decide(book(review, "ana"), {w[0]: ("include", None), w[1]: ("include", None), w[2]: ("include", None),
                                 w[3]: ("include", None), w[4]: ("exclude", REASON)})
    decide(book(review, "bo"), {w[0]: ("include", None), w[1]: ("maybe", None), w[2]: ("include", None),
                                w[3]: ("exclude", REASON), w[4]: ("exclude", REASON)})
    assert slr(review, "screen", "import", str(book(review, "ana")), str(book(review, "bo"))) == 0
    assert slr(review, "screen", "--stage", "full_text", "--reviewer", "ana", "--reviewer", "bo") == 0
    ft = (book(review, "ana", "full_text"), book(review, "bo", "full_text"))
    assert sorted(ids(ft[0])) == sorted(w[:3])
    # w0: a full-text conflict; w1: a maybe (no decision: awaits ana); w2: included.
    decide(ft[0], {w[0]: ("include", None), w[1]: ("maybe", None), w[2]: ("include", None)})
    decide(ft[1], {w[0]: ("exclude", REASON), w[1]: ("include", None), w[2]: ("include", None)})
    assert slr(review, "screen", "import", *map(str, ft)) == 0
    assert slr(review, "screen") == 0 and slr(review, "synthesize") == 0
    capsys.readouterr()
    assert slr(review, "screen", "status") == 0
    status = capsys.readouterr().out.splitlines()
    manifest = json.loads((out(review) / "manifest.json").read_text())["counts"]
    flow = json.loads((review / "outputs" / "t" / "05_synthesis" / "prisma.json").read_text())
    expected = {"records_screened": 320, "records_excluded": 1, "reports_sought": 3, "awaiting_title_abstract": 315,
                "conflicts_title_abstract": 1, "reports_not_retrieved": 0, "reports_assessed": 3,
                "reports_excluded": 0, "awaiting_full_text": 1, "conflicts_full_text": 1, "studies_included": 1}
    assert {k: manifest[k] for k in expected} == expected
    assert {k: flow[k] for k in expected} == expected
    assert status[0] == "Title/abstract: 320 works screened, 1 excluded, 3 sought, 315 awaiting, 1 in conflict"
    assert "Full text: 3 sought, 0 not retrieved, 3 assessed, 0 excluded, 1 awaiting, 1 in conflict" in status
    assert expected["records_screened"] == expected["records_excluded"] + expected["reports_sought"] + \
        expected["awaiting_title_abstract"] + expected["conflicts_title_abstract"]
    svg = (review / "outputs" / "t" / "05_synthesis" / "prisma.svg").read_text()
    # The diagram draws the works found only by other methods in a column of their own (issue 20):
    # each column shows its part, and the parts add up to the counts above.
    other = flow["other_methods_flow"]
    for key, label in (("awaiting_title_abstract", "awaiting a decision"), ("conflicts_title_abstract", "in conflict"),
                       ("awaiting_full_text", "awaiting a decision"), ("conflicts_full_text", "in conflict")):
        parts = [expected[key] - other.get(key, 0), other.get(key, 0)]
        assert sum(parts) == expected[key]
        for n in parts:
            assert n == 0 or f"{label} (n = {n})" in svg, (key, n)
