"""The PRISMA 2020 flow diagram and the charts, drawn with matplotlib (Agg: no screen needed).

Each function returns a Figure; the runner saves it as PNG and SVG. The diagram draws exactly the
counts it is given (`stages.synthesis.prisma.Prisma`), the same ones the PRISMA sheet lists.
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ..stages.synthesis.prisma import Prisma  # noqa: E402

BOX = dict(boxstyle="square,pad=0.5", facecolor="white", edgecolor="#333333", linewidth=1)
BAND = dict(boxstyle="round,pad=0.4", facecolor="#c9daf8", edgecolor="#5b7bb2")


def _lines(title: str, items: dict[str, int], limit: int = 8) -> str:
    rows = [f"{name} (n = {n})" for name, n in list(items.items())[:limit]]
    if len(items) > limit:
        rows.append(f"… {len(items) - limit} more (n = {sum(list(items.values())[limit:])})")
    return title + ("\n" + "\n".join("  " + textwrap.shorten(r, 58) for r in rows) if rows else "")


def prisma_figure(p: Prisma) -> Figure:
    """The PRISMA 2020 flow: identification, screening, included; exclusions on the right."""
    fig = plt.figure(figsize=(11, 9))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(15, 100)
    ax.axis("off")

    def box(x: float, y: float, text: str, width: int = 44) -> None:
        wrapped = "\n".join(textwrap.fill(line, width) if len(line) > width and not line.startswith("  ") else line
                            for line in text.split("\n"))
        ax.text(x, y, wrapped, ha="left", va="top", fontsize=8.5, bbox=BOX, family="DejaVu Sans")

    def arrow(x1: float, y1: float, x2: float, y2: float) -> None:
        ax.annotate("", xy=(x2, y2), xytext=(x1, y1), arrowprops=dict(arrowstyle="->", color="#333333"))

    # Rows (top y of each box); the exclusion boxes sit to the right of their step.
    for y, label in ((97, "Identification"), (71, "Screening"), (24, "Included")):
        ax.text(0.5, y, label, rotation=90, ha="left", va="top", fontsize=10, bbox=BAND)
    box(5, 97, _lines(f"Records identified from databases\n(n = {sum(p.databases.values())}):", p.databases, 6), 30)
    box(36, 97, _lines(f"Records identified from other methods:\nwebsites, organisations, reference lists\n"
                       f"(n = {sum(p.other_methods.values())}):", p.other_methods, 6), 34)
    box(72, 97, f"Records removed before\nscreening:\n  Duplicate records removed\n  (n = {p.duplicates_removed})", 30)
    arrow(18, 84, 18, 72)
    arrow(50, 84, 24, 72)
    arrow(66, 92, 72, 92)
    box(5, 71, f"Records screened\n(title/abstract) (n = {p.records_screened})"
        + (f"\n  awaiting a decision (n = {p.pending_title_abstract})" if p.pending_title_abstract else ""), 34)
    box(50, 71, _lines(f"Records excluded (n = {p.records_excluded}):", p.records_excluded_by_reason, 6), 44)
    arrow(33, 69, 50, 69)
    arrow(18, 64, 18, 57)
    box(5, 56, f"Reports sought for retrieval\n(n = {p.reports_sought})", 34)
    box(50, 56, f"Reports not retrieved\n(n = {p.reports_not_retrieved})", 44)
    arrow(33, 54, 50, 54)
    arrow(18, 51, 18, 44)
    box(5, 43, f"Reports assessed for eligibility\n(n = {p.reports_assessed})"
        + (f"\n  awaiting a decision (n = {p.pending_full_text})" if p.pending_full_text else ""), 34)
    box(50, 43, _lines(f"Reports excluded (n = {p.reports_excluded}):", p.reports_excluded_by_reason, 6), 44)
    arrow(33, 41, 50, 41)
    arrow(18, 36, 18, 25)
    box(5, 24, f"Studies included in review\n(n = {p.studies_included})", 34)
    return fig


def bar_chart(series: pd.Series, title: str, xlabel: str) -> Figure:
    fig, ax = plt.subplots(figsize=(8, max(3, 0.3 * len(series) + 1.5)))
    if series.empty or not series.any():
        ax.text(0.5, 0.5, "no sources", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(title)
        return fig
    series.sort_values().plot.barh(ax=ax, color="#4472c4")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    for index, value in enumerate(series.sort_values()):
        ax.text(value, index, f" {value}", va="center", fontsize=8)
    fig.tight_layout()
    return fig


def stacked_years(table: pd.DataFrame, title: str) -> Figure:
    """Sources per year (rows) stacked by type (columns)."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    if len(table) and len(table.columns):
        table.plot.bar(stacked=True, ax=ax, width=0.8)
    else:
        ax.text(0.5, 0.5, "no sources", ha="center", va="center", transform=ax.transAxes)
    ax.set_title(title)
    ax.set_ylabel("sources")
    if len(table) and len(table.columns):
        ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def heatmap(table: pd.DataFrame, title: str) -> Figure:
    """Themes (rows) × years (columns), sources in the cells."""
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(table.columns) + 4), max(3, 0.35 * len(table) + 1.5)))
    image = ax.imshow(table.to_numpy(dtype=float), aspect="auto", cmap="Blues")
    ax.set_xticks(range(len(table.columns)), [str(c) for c in table.columns], rotation=45, fontsize=8)
    ax.set_yticks(range(len(table.index)), [str(i) for i in table.index], fontsize=8)
    for (i, j), value in pd.DataFrame(table.to_numpy()).stack().items():
        ax.text(j, i, int(value), ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax, label="sources")
    ax.set_title(title)
    fig.tight_layout()
    return fig
