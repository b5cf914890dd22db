"""The charts of the synthesis, drawn with matplotlib (Agg: no screen needed); the PRISMA diagram is
in `flow.py`. Each function returns a Figure; the runner saves it as PNG and SVG.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

#: The value axis runs to this multiple of the longest bar: room for labels and the legend.
HEADROOM = 1.15


def bar_chart(series: pd.Series, title: str, xlabel: str) -> Figure:
    """One horizontal bar per label, longest at the top, each with its value written after it."""
    fig, ax = plt.subplots(figsize=(8, max(3, 0.3 * len(series) + 1.5)))
    if series.empty or not series.any():
        ax.text(0.5, 0.5, "no sources", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(title)
        return fig
    ordered = series.sort_values()
    positions = range(len(ordered))
    ax.barh(positions, ordered.to_numpy(dtype=float), color="#4472c4")
    ax.set_yticks(positions, [str(label) for label in ordered.index])
    ax.set_xlim(0, float(ordered.max()) * HEADROOM)  # room for the values written after the bars
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    for index, value in enumerate(ordered):
        ax.text(value, index, f" {value}", va="center", fontsize=8)
    fig.tight_layout()
    return fig


def stacked_years(table: pd.DataFrame, title: str) -> Figure:
    """Sources per year (rows) stacked by type (columns).

    Drawn with matplotlib itself rather than `DataFrame.plot`: pandas 3 stopped leaving room above
    the tallest bar, so the chart would change with the pandas version.
    """
    fig, ax = plt.subplots(figsize=(9, 4.5))
    if len(table) and len(table.columns):
        positions = range(len(table))
        bottom = np.zeros(len(table))
        for column in table.columns:
            heights = table[column].to_numpy(dtype=float)
            ax.bar(positions, heights, width=0.8, bottom=bottom, label=str(column))
            bottom += heights
        ax.set_xticks(positions, [str(year) for year in table.index], rotation=90)
        ax.set_xlabel(str(table.index.name or ""))
        ax.set_ylim(0, max(float(bottom.max()), 1.0) * HEADROOM)
        ax.legend(fontsize=7, loc="upper left")
    else:
        ax.text(0.5, 0.5, "no sources", ha="center", va="center", transform=ax.transAxes)
    ax.set_title(title)
    ax.set_ylabel("sources")
    fig.tight_layout()
    return fig


def heatmap(table: pd.DataFrame, title: str) -> Figure:
    """Themes (rows) × years (columns), sources in the cells."""
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(table.columns) + 4), max(3, 0.35 * len(table) + 1.5)))
    image = ax.imshow(table.to_numpy(dtype=float), aspect="auto", cmap="Blues")
    ax.set_xticks(range(len(table.columns)), [str(c) for c in table.columns], rotation=45, fontsize=8)
    ax.set_yticks(range(len(table.index)), [str(i) for i in table.index], fontsize=8)
    top = float(table.to_numpy().max()) if table.size else 0.0
    for (i, j), value in pd.DataFrame(table.to_numpy()).stack().items():
        # White on the darkest cells, black elsewhere, so every number stays readable.
        ax.text(j, i, int(value), ha="center", va="center", fontsize=7, color="white" if value > top / 2 else "black")
    fig.colorbar(image, ax=ax, label="sources")
    ax.set_title(title)
    fig.tight_layout()
    return fig
