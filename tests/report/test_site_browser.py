"""The demo's published site in real headless Chromium (Debian's package; `make browser` installs it).

The demo runs twice in its data's history (2026-11-20: the Observatory and the database exports;
2026-12-01: the seed pages and two readers' suggestions, one a duplicate a reviewer merged), so the
site has new marks and a feed. Checked through the DevTools protocol, against the tables the
pipeline wrote: entries per category, search, every filter, new marks, link targets, keyboard
access, no request outside file://, no console error, and a screenshot showing the new marks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from pipeline.config import SiteConfig, load_protocol
from pipeline.report.site import ASSETS, asset, index_html
from pipeline.report.site_data import build_site, categorise
from pipeline.store import read_csv

from .browser import Browser, find_chromium
from .test_site import HOSTILE, _codes, _included, _real_titles, _trail

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not found: run `make browser` (apt-get install chromium)")
NEW_BADGE = np.array([0xA4, 0x16, 0x1A]) / 255  # site.css --new


@pytest.fixture(scope="module")
def demo(demo_two_runs: Path) -> Path:
    return demo_two_runs  # tests/conftest.py: the demo with its two dated runs


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    driver = Browser(CHROMIUM)
    yield driver
    driver.close()


def _site(root: Path) -> Path:
    return root / "outputs" / "demo" / "06_site"


def _visible(browser: Browser) -> list[str]:
    return browser.js("Array.from(document.querySelectorAll('li.entry:not([hidden])')).map(li => li.id)")


def _choose(browser: Browser, name: str, value: str) -> None:
    browser.js(f"(() => {{ const s = document.getElementById('f-{name}'); s.value = {json.dumps(value)};"
               "s.dispatchEvent(new Event('change', {bubbles: true})); })()")


def _reset(browser: Browser) -> None:
    browser.js("document.getElementById('filters').reset()")
    browser.js("new Promise(r => setTimeout(r, 20))")


def test_the_collection_in_chromium(demo: Path, browser: Browser, tmp_path: Path) -> None:
    protocol = load_protocol("config/demo.yaml", root=demo)
    out = demo / "outputs" / "demo"
    included = read_csv(out / "03_screen" / "included.csv")
    trail = read_csv(out / "02_dedupe" / "records.csv")
    codes = read_csv(out / "04_code" / "codes.csv")
    browser.open((_site(demo) / "index.html").as_uri())
    assert browser.js("document.getElementById('filters').hidden") is False  # site.js ran

    # Entries per category match included.csv (categorised by the protocol's site: section).
    expected: dict[str, set[str]] = {}
    for row in included.to_dict("records"):
        category = categorise(row["doc_type"], (row["keywords"] or "").split("; "), protocol.site)
        expected.setdefault(category, set()).add(row["work_id"])
    shown = browser.js("Object.fromEntries(Array.from(document.querySelectorAll('section.category')).map("
                       "s => [s.dataset.category, Array.from(s.querySelectorAll('li.entry')).map(li => li.id)]))")
    assert {k: set(v) for k, v in shown.items()} == expected
    assert {k: len(v) for k, v in expected.items()} == {
        "Major Policy Initiatives": 25, "National & International Reports": 48, "Journal Articles and Commentary": 103,
        "Events": 48, "Web pages and other sources": 2}
    assert len(included) == 226

    # Search narrows to the works naming the words (title, authors, venue, regions, themes, evidence).
    evidence = codes.groupby("work_id")["evidence"].apply(lambda s: " ".join(s.fillna(""))).to_dict()
    text = {r["work_id"]: " ".join(str(r[c] or "") for c in ("title", "authors", "venue", "regions"))
            + " " + evidence.get(r["work_id"], "") for r in included.to_dict("records")}
    browser.type_into("#f-q", "Ontario")
    ontario = {w for w, t in text.items() if "ontario" in t.lower()}
    # 6: since issue 18 a glued run of other works' titles is no longer evidence (it made a 7th match).
    assert set(_visible(browser)) == ontario and len(ontario) == 6
    assert browser.js("document.getElementById('count').textContent") == f"{len(ontario)} of 226 sources shown"
    counts = browser.js("Array.from(document.querySelectorAll('section.category:not([hidden]) h2 .n'))"
                        ".map(n => n.textContent)")
    assert sum(int(c.strip("(").split(" of ")[0]) for c in counts) == len(ontario) and all(" of " in c for c in counts)
    browser.type_into("#f-q", " framework")
    assert set(_visible(browser)) == {w for w in ontario if "framework" in text[w].lower()}
    _reset(browser)
    browser.type_into("#f-q", "zzzz-nothing")
    assert _visible(browser) == [] and browser.js("document.getElementById('none').hidden") is False
    _reset(browser)
    assert len(_visible(browser)) == 226

    # Each filter.
    _choose(browser, "category", "Events")
    assert set(_visible(browser)) == expected["Events"]
    _reset(browser)
    _choose(browser, "from", "2022")
    _choose(browser, "to", "2022")
    assert set(_visible(browser)) == set(included.loc[included["year"] == 2022, "work_id"])
    _reset(browser)
    labels = {"portability_stackability": "Portability and stackability types"}
    _choose(browser, "theme", labels["portability_stackability"])
    assert set(_visible(browser)) == set(codes.loc[codes["theme"] == "portability_stackability", "work_id"])
    _reset(browser)
    _choose(browser, "region", "EU")
    assert set(_visible(browser)) == {r["work_id"] for r in included.to_dict("records")
                                      if "EU" in (r["regions"] or "").split("; ")}
    _reset(browser)

    # New marks match the trail: the works whose first record came in the 2026-12-01 run.
    first = trail.groupby("work_id")["first_seen"].min()
    late = {w for w in included["work_id"] if first.get(w) == "20261201T090000Z"}
    assert len(late) == 3
    assert set(browser.js("Array.from(document.querySelectorAll('li.entry .new')).map(m => m.closest('li').id)")) == late
    _choose(browser, "since", "20261201T090000Z")
    assert set(_visible(browser)) == late
    # By screenshot: the whole page filtered to the new works shows one badge per work under the
    # filters (each badge the same size), and the Events, none of them new, show none.
    below = int(browser.js("document.getElementById('count').getBoundingClientRect().bottom + window.scrollY"))
    pixels = mpimg.imread(browser.screenshot(tmp_path / "new.png", full=True))[below:, :, :3]
    per_row = (np.abs(pixels - NEW_BADGE).max(axis=2) < 0.02).sum(axis=1)
    badge_rows = np.flatnonzero(per_row)
    assert len(badge_rows) and len(np.split(badge_rows, np.flatnonzero(np.diff(badge_rows) > 1) + 1)) == len(late)
    _choose(browser, "since", "")
    _choose(browser, "category", "Events")
    pixels = mpimg.imread(browser.screenshot(tmp_path / "events.png", full=True))[below:, :, :3]
    assert int((np.abs(pixels - NEW_BADGE).max(axis=2) < 0.02).sum()) == 0
    _reset(browser)

    # Links resolve to the expected targets: DOI, else URL, else the Observatory's landing page.
    hrefs = browser.js("Object.fromEntries(Array.from(document.querySelectorAll('li.entry')).map("
                       "li => [li.id, li.querySelector('a.title') ? li.querySelector('a.title').href : null]))")
    for row in included.to_dict("records"):
        if row["doi"]:
            want = f"https://doi.org/{row['doi']}"
        elif "observatory" in row["sources"].split("; "):
            want = protocol.site.landing_pages["observatory"]
        else:
            want = None
        assert hrefs[row["work_id"]] == want, row["title"]
    assert hrefs[next(w for w in late if "10.1007" in str(included.set_index("work_id").loc[w, "doi"]))] == \
        "https://doi.org/10.1007/s10639-023-11739-z"
    suggest = browser.js("document.querySelector('.suggest a').href")
    assert suggest.startswith("mailto:observatory@example.org")

    # Keyboard: the first Tab reaches the skip link, the next ones the navigation and the search box.
    browser.open((_site(demo) / "index.html").as_uri())
    browser.press("Tab", "Tab", 9)
    assert browser.js("document.activeElement.className") == "skip"
    for _ in range(8):
        browser.press("Tab", "Tab", 9)
        if browser.js("document.activeElement.id") == "f-q":
            break
    assert browser.js("document.activeElement.id") == "f-q"
    assert browser.js("document.querySelector('label[for=f-q]').textContent") == "Search"
    assert browser.js("Array.from(document.querySelectorAll('select')).every(s => "
                      "document.querySelector('label[for=' + s.id + ']'))") is True

    # Structure and contrast: one h1, then h2 per category and h3 per year; every text style used
    # (body, meta, links, labels, the new badge) at least 4.5:1 against its background (WCAG AA).
    assert browser.js("document.documentElement.lang") == "en"
    levels = browser.js("Array.from(document.querySelectorAll('h1, h2, h3')).map(h => +h.tagName[1])")
    assert levels[0] == 1 and levels.count(1) == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:]))
    ratios = browser.js("""(() => {
        const rgb = c => c.match(/[0-9.]+/g).slice(0, 4).map(Number);
        const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
            return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
        const bg = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
            if (c.length < 4 || c[3] > 0) return c; } return [255, 255, 255]; };
        const out = {};
        for (const sel of ['body', 'p.meta', 'a.title', 'label', 'strong.new', 'h3', 'details.themes summary',
                           '.count', '.nav a']) {
            const el = document.querySelector(sel);
            const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(bg(el))];
            out[sel] = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }
        return out; })()""")
    assert min(ratios.values()) >= 4.5, ratios

    # Print: the controls go, every link's address is printed, and the evidence is opened.
    browser.call("Emulation.setEmulatedMedia", session=True, media="print")
    assert browser.js("getComputedStyle(document.getElementById('filters')).display") == "none"
    assert browser.js("getComputedStyle(document.querySelector('a.title'), '::after').content").startswith('" <https://')
    browser.call("Emulation.setEmulatedMedia", session=True, media="")
    pdf = browser.call("Page.printToPDF", session=True)["data"]
    assert len(pdf) > 10_000
    assert browser.js("Array.from(document.querySelectorAll('details.themes')).every(d => d.open)") is True

    # The update history links to entries that exist.
    browser.open((_site(demo) / "updates.html").as_uri())
    assert browser.js("Array.from(document.querySelectorAll('h2')).map(h => h.textContent)") == [
        "Added on 2026-12-01: 3 sources", "Added on 2026-11-20: 223 sources"]
    targets = browser.js("Array.from(document.querySelectorAll('main a')).map(a => a.hash.slice(1))")
    assert set(targets) == set(included["work_id"])

    # Nothing left file://, nothing went wrong.
    assert browser.requests() and all(url.startswith("file://") for url in browser.requests())
    assert browser.problems() == []


def test_hostile_titles_stay_text_in_chromium(browser: Browser, tmp_path: Path) -> None:
    titles = _real_titles() + HOSTILE
    site = build_site(_included(titles), _codes(), _trail(len(titles), late={0}), SiteConfig(), title="<Obs>")
    (tmp_path / "index.html").write_text(index_html(site), encoding="utf-8")
    for name in ASSETS:
        (tmp_path / name).write_bytes(asset(name))
    browser.events.clear()
    browser.open((tmp_path / "index.html").as_uri())
    assert browser.js("window.pwned === undefined") is True
    assert sorted(browser.js("Array.from(document.querySelectorAll('.title')).map(a => a.textContent)")) == sorted(titles)
    assert browser.js("document.title") == "<Obs>"
    assert browser.js("document.querySelectorAll('script').length") == 1
    browser.type_into("#f-q", "内生真菌")
    assert browser.js("document.getElementById('count').textContent") == f"1 of {len(titles)} sources shown"
    assert browser.problems() == []
