"""The charts of the synthesis, drawn with matplotlib (Agg: no screen needed); the PRISMA diagram is
in `flow.py`. Each function returns a Figure; the runner saves it as PNG and SVG.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


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
    top = float(table.to_numpy().max()) if table.size else 0.0
    for (i, j), value in pd.DataFrame(table.to_numpy()).stack().items():
        # White on the darkest cells, black elsewhere, so every number stays readable.
        ax.text(j, i, int(value), ha="center", va="center", fontsize=7, color="white" if value > top / 2 else "black")
    fig.colorbar(image, ax=ax, label="sources")
    ax.set_title(title)
    fig.tight_layout()
    return fig
