"""The PRISMA 2020 flow diagram, drawn with matplotlib from a `Prisma` (the PRISMA sheet's counts).

Boxes are sized from the measured size of their text, so long database names and exclusion
reasons never spill out, and rows are stacked so that no two boxes overlap. The layout is the
PRISMA 2020 template for databases, registers and other methods: the works found only by other
methods (websites, organisations, citation searching) get a column of their own, through the
same screening, retrieval and assessment, joining the database flow at the studies included.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyBboxPatch, Rectangle  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from ..stages.synthesis.prisma import Prisma  # noqa: E402

FONT = 9.0
PAD = 6.0  # points between a box's edge and its text
GAP = 26.0  # points between rows
LEFT_X, LEFT_W = 44.0, 300.0
RIGHT_X, RIGHT_W = 424.0, 320.0
#: The other-methods flow's own column and its side boxes (drawn only when it has works).
OTHER_X, OTHER_W = 804.0, 300.0
SIDE_X, SIDE_W = 1164.0, 320.0
ITEMS = 8  # exclusion reasons / sources listed in a box before "… n more"
EDGE = "#333333"


@dataclass
class _Box:
    name: str
    x: float
    w: float
    text: str
    top: float = 0.0
    h: float = 0.0

    @property
    def bottom(self) -> float:
        return self.top - self.h


def _items(title: str, items: dict[str, int]) -> list[tuple[str, bool]]:
    """The title and one line per item (the longest lists end with a line for the rest)."""
    rows = [(title + (":" if items else ""), False)] + [(f"{name} (n = {n})", True) for name, n in list(items.items())[:ITEMS]]
    if len(items) > ITEMS:
        rest = list(items.values())[ITEMS:]
        rows.append((f"… {len(rest)} more (n = {sum(rest)})", True))
    return rows


class _Measure:
    """Wrap text to a box's inner width, measuring it with the figure's renderer."""

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.renderer = fig.canvas.get_renderer()

    def size(self, text: str) -> tuple[float, float]:
        probe = Text(0, 0, text, fontsize=FONT)
        probe.set_figure(self.fig)
        extent = probe.get_window_extent(self.renderer)
        return extent.width * 72 / self.fig.dpi, extent.height * 72 / self.fig.dpi

    def wrap(self, rows: list[tuple[str, bool]], width: float) -> str:
        inner = width - 2 * PAD
        chars = int(inner / (FONT * 0.5))
        while True:
            lines: list[str] = []
            for text, item in rows:
                lines += textwrap.wrap(text, chars, initial_indent="• " if item else "",
                                       subsequent_indent="   " if item else "", break_on_hyphens=False) or [""]
            joined = "\n".join(lines)
            if self.size(joined)[0] <= inner or chars <= 10:
                return joined
            chars -= 2


def _column(p: Prisma, flow: dict) -> dict:
    """Numbers one column draws: the screening counts with automation tools' exclusions apart
    (removed before screening, as PRISMA 2020 draws them) and the reviewers' exclusions left."""
    auto = int(flow.get("records_marked_ineligible_by_automation", 0))
    reasons = flow.get("records_excluded_by_reviewers_by_reason") if auto else flow.get("records_excluded_by_reason")
    return {**flow, "auto": auto, "screened_by_people": flow["records_screened"] - auto,
            "excluded_by_people": flow["records_excluded"] - auto, "people_reasons": reasons or {}}


def prisma_figure(p: Prisma) -> Figure:
    """The PRISMA 2020 flow: identification per database, register and other method, records removed
    before screening (duplicates, automation tools), screening with exclusions by reason, retrieval,
    eligibility, and the studies included; with a column of its own for the works found only by
    other methods (websites, organisations, citation searching) when there are any."""
    fig = Figure()
    FigureCanvasAgg(fig)  # a renderer to measure text with, without pyplot's global figures
    measure = _Measure(fig)
    left = lambda name, rows: _Box(name, LEFT_X, LEFT_W, measure.wrap(rows, LEFT_W))  # noqa: E731
    right = lambda name, rows: _Box(name, RIGHT_X, RIGHT_W, measure.wrap(rows, RIGHT_W))  # noqa: E731
    other = lambda name, rows: _Box(name, OTHER_X, OTHER_W, measure.wrap(rows, OTHER_W))  # noqa: E731
    side = lambda name, rows: _Box(name, SIDE_X, SIDE_W, measure.wrap(rows, SIDE_W))  # noqa: E731
    split = bool(p.other_methods_flow)
    db = _column(p, p.database_flow())

    def pending(flow: dict, stage: str) -> list[tuple[str, bool]]:
        out = [(f"awaiting a decision (n = {flow[f'awaiting_{stage}']})", True)] if flow[f"awaiting_{stage}"] else []
        return out + ([(f"in conflict (n = {flow[f'conflicts_{stage}']})", True)] if flow[f"conflicts_{stage}"] else [])

    identified = _items(f"Records identified from databases (n = {sum(p.databases.values())})", p.databases)
    if p.registers:
        identified += _items(f"Records identified from registers (n = {sum(p.registers.values())})", p.registers)
    others = _items("Records identified from other methods: websites, organisations, citation searching, "
                    f"reference lists (n = {sum(p.other_methods.values())})", p.other_methods)
    # Each column's arithmetic closes on its own (Prisma.duplicates_split); the other methods'
    # duplicates are said in that column's screening box.
    db_duplicates, other_duplicates = p.duplicates_split()
    removed = [("Records removed before screening:", False),
               (f"Duplicate records removed (n = {db_duplicates})", True)]
    if db["auto"] or not split and p.records_marked_ineligible_by_automation:
        removed.append((f"Records marked as ineligible by automation tools (n = {db['auto']})", True))
    rows: list[tuple[str, list[_Box]]] = [
        ("identify", [left("databases", identified)] + ([other("other methods", others)] if split else
                                                        [right("other methods", others)])),
        ("removed", [right("removed", removed)]),
        ("screened", [left("screened", [(f"Records screened (title/abstract) (n = {db['screened_by_people']})", False),
                                        *pending(db, "title_abstract")]),
                      right("excluded", _items(f"Records excluded (n = {db['excluded_by_people']})", db["people_reasons"]))]),
        ("sought", [left("sought", [(f"Reports sought for retrieval (n = {db['reports_sought']})", False)]),
                    right("not retrieved", [(f"Reports not retrieved (n = {db['reports_not_retrieved']})", False)])]),
        ("assessed", [left("assessed", [(f"Reports assessed for eligibility (n = {db['reports_assessed']})", False),
                                        *pending(db, "full_text")]),
                      right("reports excluded", _items(f"Reports excluded (n = {db['reports_excluded']})",
                                                       db["reports_excluded_by_reason"]))]),
        ("included", [left("included", [(f"Studies included in review (n = {p.studies_included})", False)] +
                           ([(f"Reports of included studies (n = {p.reports_of_included_studies})", False)]
                            if p.reports_of_included_studies else []))]),
    ]
    if split:
        o = _column(p, p.other_methods_flow)
        excluded = _items(f"Records excluded (n = {o['records_excluded']})", {})
        if o["auto"]:
            excluded += _items(f"marked as ineligible by automation tools (n = {o['auto']})",
                               o["records_marked_ineligible_by_automation_by_reason"])
        excluded += _items(f"excluded by reviewers (n = {o['excluded_by_people']})", o["people_reasons"])
        extra = {
            "screened": [other("other screened", [(f"Works found only by other methods, screened "
                                                   f"(n = {o['records_screened']})", False),
                                                  *([(f"duplicates removed: {other_duplicates} of their "
                                                      f"{sum(p.other_methods.values())} records (of each other or "
                                                      "of database records)", True)] if other_duplicates else []),
                                                  *pending(o, "title_abstract")]),
                         side("other excluded", excluded)],
            "sought": [other("other sought", [(f"Reports sought for retrieval (n = {o['reports_sought']})", False)]),
                       side("other not retrieved", [(f"Reports not retrieved (n = {o['reports_not_retrieved']})", False)])],
            "assessed": [other("other assessed", [(f"Reports assessed for eligibility (n = {o['reports_assessed']})", False),
                                                  *pending(o, "full_text")]),
                         side("other reports excluded", _items(f"Reports excluded (n = {o['reports_excluded']})",
                                                               o["reports_excluded_by_reason"]))],
        }
        rows = [(name, row + extra.get(name, [])) for name, row in rows]
    update = p.previous_studies is not None
    if update:  # the PRISMA 2020 template for updated reviews: previous studies + new = total
        new = int(p.new_studies_included or 0)
        rows.insert(0, ("previous", [left("previous", [
            ("Previous studies:", False),
            (f"Studies included in previous version of review (n = {p.previous_studies})", True),
            (f"Reports of studies included in previous version of review (n = {p.previous_studies})", True)])]))
        rows[-1] = ("included", [left("included", [(f"New studies included in review (n = {new})", False),
                                                   (f"Reports of new included studies (n = {new})", False)])])
        rows.append(("total", [left("total", [
            (f"Total studies included in review (n = {p.total_studies_included})", False),
            (f"Reports of total included studies (n = {p.total_studies_included})", False)])]))
    # Stack the rows downwards from y = 0 (points); the identification row's two boxes share a height.
    y = -14.0
    boxes: dict[str, _Box] = {}
    for name, row in rows:
        heights = [measure.size(box.text)[1] + 2 * PAD for box in row]
        if row[0].name == "included":  # tall enough for its band's rotated label
            heights = [max(heights[0], measure.size("Included")[0] + 4 * PAD)]
        for box in row:
            box.top, box.h = y, (max(heights) if name == "identify" else heights[row.index(box)])
            boxes[box.name] = box
        y -= max(heights) + GAP
    height = -y - GAP + 14.0
    width = (SIDE_X + SIDE_W if split else RIGHT_X + RIGHT_W) + 14.0
    fig.set_size_inches(width / 72, height / 72)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(-height, 0)
    ax.axis("off")

    for box in boxes.values():
        ax.add_patch(Rectangle((box.x, box.bottom), box.w, box.h, facecolor="white", edgecolor=EDGE, linewidth=1,
                               gid=f"box:{box.name}"))
        # The included box is as tall as its band's label: its one line sits in the middle.
        y = box.top - box.h / 2 if box.name == "included" else box.top - PAD
        ax.text(box.x + PAD, y, box.text, ha="left", va="center" if box.name == "included" else "top", fontsize=FONT,
                gid=f"text:{box.name}")

    def arrow(x1: float, y1: float, x2: float, y2: float) -> None:
        ax.annotate("", xy=(x2, y2), xytext=(x1, y1),
                    arrowprops=dict(arrowstyle="-|>", color=EDGE, linewidth=1, shrinkA=0, shrinkB=0))

    spine = LEFT_X + LEFT_W / 2
    db_box, other_box, removed_box = boxes["databases"], boxes["other methods"], boxes["removed"]
    if split:
        arrow(spine, db_box.bottom, spine, boxes["screened"].top)
    else:
        junction = db_box.bottom - GAP / 2
        ax.plot([RIGHT_X + RIGHT_W / 2] * 2 + [spine], [other_box.bottom, junction, junction], color=EDGE, linewidth=1)
        ax.plot([spine, spine], [db_box.bottom, junction], color=EDGE, linewidth=1)
        arrow(spine, junction, spine, boxes["screened"].top)
    arrow(spine, removed_box.top - removed_box.h / 2, RIGHT_X, removed_box.top - removed_box.h / 2)
    pairs = [("screened", "excluded"), ("sought", "not retrieved"), ("assessed", "reports excluded")]
    chain = [("screened", "sought"), ("sought", "assessed"), ("assessed", "included")]
    if split:
        pairs += [("other screened", "other excluded"), ("other sought", "other not retrieved"),
                  ("other assessed", "other reports excluded")]
        middle = OTHER_X + OTHER_W / 2
        arrow(middle, other_box.bottom, middle, boxes["other screened"].top)
        for upper, lower in (("other screened", "other sought"), ("other sought", "other assessed")):
            arrow(middle, boxes[upper].bottom, middle, boxes[lower].top)
        included = boxes["included"]
        level = included.top - included.h / 2
        ax.plot([middle, middle], [boxes["other assessed"].bottom, level], color=EDGE, linewidth=1)
        arrow(middle, level, LEFT_X + LEFT_W, level)
    for main, side_name in pairs:
        level = boxes[main].top - min(boxes[main].h, boxes[side_name].h) / 2
        arrow(boxes[main].x + boxes[main].w, level, boxes[side_name].x, level)
    if update:
        chain.append(("included", "total"))
        previous, total = boxes["previous"], boxes["total"]
        # Down the margin between the bands and the boxes, into the total.
        margin = LEFT_X - 8
        mid_previous, mid_total = previous.top - previous.h / 2, total.top - total.h / 2
        ax.plot([LEFT_X, margin, margin], [mid_previous, mid_previous, mid_total], color=EDGE, linewidth=1)
        arrow(margin, mid_total, LEFT_X, mid_total)
    for upper, lower in chain:
        arrow(spine, boxes[upper].bottom, spine, boxes[lower].top)

    for label, first, last in (("Identification", "databases", "removed"), ("Screening", "screened", "assessed"),
                               ("Included", "included", "total" if update else "included")):
        top, bottom = boxes[first].top, boxes[last].bottom
        ax.add_patch(FancyBboxPatch((8, bottom), 20, top - bottom, boxstyle="round,pad=0,rounding_size=4",
                                    facecolor="#c9daf8", edgecolor="#5b7bb2", gid=f"band:{label}"))
        ax.text(18, (top + bottom) / 2, label, rotation=90, ha="center", va="center", fontsize=FONT + 1,
                gid=f"bandtext:{label}")
    return fig
