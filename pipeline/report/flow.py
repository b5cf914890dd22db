"""The PRISMA 2020 flow diagram, drawn with matplotlib from a `Prisma` (the PRISMA sheet's counts).

Boxes are sized from the measured size of their text, so long database names and exclusion
reasons never spill out, and rows are stacked so that no two boxes overlap. The layout is the
PRISMA 2020 template for databases and other methods, with one screening flow: the review
screens every record together, whatever found it.
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
WIDTH = RIGHT_X + RIGHT_W + 14.0
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


def prisma_figure(p: Prisma) -> Figure:
    """The PRISMA 2020 flow: identification per database and per other method, duplicates removed,
    screening with exclusions by reason, retrieval, eligibility, and the studies included."""
    fig = Figure()
    FigureCanvasAgg(fig)  # a renderer to measure text with, without pyplot's global figures
    measure = _Measure(fig)
    left = lambda name, rows: _Box(name, LEFT_X, LEFT_W, measure.wrap(rows, LEFT_W))  # noqa: E731
    right = lambda name, rows: _Box(name, RIGHT_X, RIGHT_W, measure.wrap(rows, RIGHT_W))  # noqa: E731

    pending_ta = [(f"awaiting a decision (n = {p.awaiting_title_abstract})", True)] if p.awaiting_title_abstract else []
    pending_ta += [(f"in conflict (n = {p.conflicts_title_abstract})", True)] if p.conflicts_title_abstract else []
    pending_ft = [(f"awaiting a decision (n = {p.awaiting_full_text})", True)] if p.awaiting_full_text else []
    pending_ft += [(f"in conflict (n = {p.conflicts_full_text})", True)] if p.conflicts_full_text else []
    rows: list[tuple[str, list[_Box]]] = [
        ("identify", [left("databases", _items(f"Records identified from databases (n = {sum(p.databases.values())})",
                                               p.databases)),
                      right("other methods", _items("Records identified from other methods: websites, organisations, "
                                                    f"reference lists (n = {sum(p.other_methods.values())})",
                                                    p.other_methods))]),
        ("removed", [right("removed", [("Records removed before screening:", False),
                                       (f"Duplicate records removed (n = {p.duplicates_removed})", True)])]),
        ("screened", [left("screened", [(f"Records screened (title/abstract) (n = {p.records_screened})", False),
                                        *pending_ta]),
                      right("excluded", _items(f"Records excluded (n = {p.records_excluded})",
                                               p.records_excluded_by_reason))]),
        ("sought", [left("sought", [(f"Reports sought for retrieval (n = {p.reports_sought})", False)]),
                    right("not retrieved", [(f"Reports not retrieved (n = {p.reports_not_retrieved})", False)])]),
        ("assessed", [left("assessed", [(f"Reports assessed for eligibility (n = {p.reports_assessed})", False),
                                        *pending_ft]),
                      right("reports excluded", _items(f"Reports excluded (n = {p.reports_excluded})",
                                                       p.reports_excluded_by_reason))]),
        ("included", [left("included", [(f"Studies included in review (n = {p.studies_included})", False)])]),
    ]
    # Stack the rows downwards from y = 0 (points); the identification row's two boxes share a height.
    y = -14.0
    boxes: dict[str, _Box] = {}
    for index, (_, row) in enumerate(rows):
        heights = [measure.size(box.text)[1] + 2 * PAD for box in row]
        if row[0].name == "included":  # tall enough for its band's rotated label
            heights = [max(heights[0], measure.size("Included")[0] + 4 * PAD)]
        for box in row:
            box.top, box.h = y, (max(heights) if index == 0 else heights[row.index(box)])
            boxes[box.name] = box
        y -= max(heights) + GAP
    height = -y - GAP + 14.0
    fig.set_size_inches(WIDTH / 72, height / 72)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH)
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
    db, other, removed = boxes["databases"], boxes["other methods"], boxes["removed"]
    junction = db.bottom - GAP / 2
    ax.plot([RIGHT_X + RIGHT_W / 2] * 2 + [spine], [other.bottom, junction, junction], color=EDGE, linewidth=1)
    ax.plot([spine, spine], [db.bottom, junction], color=EDGE, linewidth=1)
    arrow(spine, junction, spine, boxes["screened"].top)
    arrow(spine, removed.top - removed.h / 2, RIGHT_X, removed.top - removed.h / 2)
    for main, side in (("screened", "excluded"), ("sought", "not retrieved"), ("assessed", "reports excluded")):
        level = boxes[main].top - min(boxes[main].h, boxes[side].h) / 2
        arrow(LEFT_X + LEFT_W, level, RIGHT_X, level)
    for upper, lower in (("screened", "sought"), ("sought", "assessed"), ("assessed", "included")):
        arrow(spine, boxes[upper].bottom, spine, boxes[lower].top)

    for label, first, last in (("Identification", "databases", "removed"), ("Screening", "screened", "assessed"),
                               ("Included", "included", "included")):
        top, bottom = boxes[first].top, boxes[last].bottom
        ax.add_patch(FancyBboxPatch((8, bottom), 20, top - bottom, boxstyle="round,pad=0,rounding_size=4",
                                    facecolor="#c9daf8", edgecolor="#5b7bb2", gid=f"band:{label}"))
        ax.text(18, (top + bottom) / 2, label, rotation=90, ha="center", va="center", fontsize=FONT + 1,
                gid=f"bandtext:{label}")
    return fig
