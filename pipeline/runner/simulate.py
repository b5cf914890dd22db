"""`slr screen simulate`: replay a fully labelled dataset through the ranker, as a review would go.

Reads a CSV with a title and/or abstract and a label per row (a SYNERGY dataset, an ASReview
export, a past review's screening), replays it with `stages.rank.simulate` and writes to the
output folder: recall_curve.csv (screened, found, recall, the estimated recall `slr screen
status` would have shown at that point, and model_estimated_recall, the ranker's own figure it
showed before issue 17) and .png, order.csv (who came when) and figures.json
(WSS@95, WSS@100, recall at 10 %, RRF@10, with the settings that produced them).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError, closest
from ..stages.rank import simulate
from ..store import atomic_path, sha256_file, write_csv, write_json

#: Label columns tried in this order when --label is not given (SYNERGY, ASReview, plain).
LABEL_COLUMNS = ("label_included", "included", "label", "asreview_label", "relevant")
#: Text columns the ranker reads, with the spellings exports use for them.
TEXT_COLUMNS = {"title": ("title", "primary_title", "ti"), "abstract": ("abstract", "notes_abstract", "ab"),
                "keywords": ("keywords", "kw")}
YES = {"1", "1.0", "true", "yes", "y", "include", "included", "relevant"}
NO = {"0", "0.0", "false", "no", "n", "exclude", "excluded", "irrelevant"}


@dataclass
class SimulationSummary:
    records: int
    relevant: int
    figures: dict[str, float]
    folder: Path
    prior_rows: list[int]


def read_labelled(path: Path, label: str | None = None) -> pd.DataFrame:
    """The labelled records: work_id (the CSV's row number, 1 = first data row), title, abstract,
    keywords, label (1/0). Every problem is an InputError naming the file, row and column."""
    if not path.is_file():
        raise InputError(f"simulate: {path} not found", hint="give the path of a labelled CSV file")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, csv.Error) as exc:
        raise InputError(f"simulate: {path} is not a readable UTF-8 CSV file ({exc})",
                         hint="save the file as CSV UTF-8 (comma-separated)") from exc
    lower = {c.strip().lower(): c for c in raw.columns}
    if label is None:
        label = next((lower[c] for c in LABEL_COLUMNS if c in lower), None)
        if label is None:
            raise InputError(f"simulate: {path} has no label column (looked for {', '.join(LABEL_COLUMNS)})",
                             hint="name the column holding 1 (relevant) / 0 (irrelevant) with --label COLUMN")
    elif label not in raw.columns:
        guess = closest(label, raw.columns)
        raise InputError(f'simulate: {path} has no column "{label}"',
                         hint=f'did you mean "{guess}"?' if guess else f"columns are: {', '.join(raw.columns)}")
    texts = {name: next((lower[s] for s in spellings if s in lower), None) for name, spellings in TEXT_COLUMNS.items()}
    if texts["title"] is None and texts["abstract"] is None:
        raise InputError(f"simulate: {path} has neither a title nor an abstract column",
                         hint="the ranker learns from the text: add a title and/or abstract column")
    values = raw[label].str.strip().str.lower()
    labels = pd.Series(pd.NA, index=raw.index, dtype="Int64")
    labels[values.isin(YES)] = 1
    labels[values.isin(NO)] = 0
    if labels.isna().any():
        at = int(labels.isna().to_numpy().argmax())
        raise InputError(f'simulate: {path}, row {at + 1}, column "{label}": "{raw[label].iloc[at]}" is not a label',
                         hint="a simulation needs every record labelled: 1/0, yes/no, include/exclude")
    records = pd.DataFrame({"work_id": range(1, len(raw) + 1)})
    for name, column in texts.items():
        records[name] = raw[column].to_numpy() if column is not None else ""
    records["label"] = labels.astype("int64").to_numpy()
    if not (records["label"] == 1).any() or not (records["label"] == 0).any():
        raise InputError(f"simulate: {path} needs relevant and irrelevant records; all {len(records)} are "
                         f"labelled {int(records['label'].iloc[0]) if len(records) else '—'}",
                         hint="check the label column")
    return records


def run_simulate(path: Path, out: Path, *, label: str | None = None, seed: int = 0, batch: int = 1,
                 prior_included: int = 1, prior_excluded: int = 1) -> SimulationSummary:
    """Replay `path` and write recall_curve.csv/.png, order.csv and figures.json to `out`."""
    if batch < 1:
        raise InputError(f"simulate: --batch {batch} must be at least 1", hint="use --batch 1, or a workbook round like 50")
    records = read_labelled(path, label)
    labels = pd.Series(records["label"].to_numpy(), index=records["work_id"])
    n_relevant = int(labels.sum())
    for name, n, available in (("--prior-included", prior_included, n_relevant),
                               ("--prior-excluded", prior_excluded, len(labels) - n_relevant)):
        if n < 0 or n > available:
            raise InputError(f"simulate: {name} {n} is not possible with {available} such records in {path}",
                             hint=f"choose 0 to {available}")
    result = simulate(records, labels, seed=seed, batch=batch, prior_included=prior_included,
                      prior_excluded=prior_excluded)
    order = result.order.rename(columns={"work_id": "row"}).merge(
        records[["work_id", "title"]].rename(columns={"work_id": "row"}), on="row", how="left")
    write_csv(out / "order.csv", order)
    write_csv(out / "recall_curve.csv", result.curve)
    about: dict[str, Any] = {
        "dataset": str(path), "dataset_sha256": sha256_file(path), "records": len(records),
        "relevant": n_relevant, "seed": seed, "batch": batch, "prior_rows": [int(r) for r in result.prior],
        "method": result.method, **{k: (None if v != v else round(float(v), 6)) for k, v in result.figures.items()},
        "definitions": {
            "wss_95": "work saved over sampling at 95 % recall: share of records not screened when 95 % of the "
                      "relevant ones are found, minus 0.05 (Cohen et al. 2006)",
            "wss_100": "the same at 100 % recall",
            "recall_10": "share of the relevant records found after screening 10 % of the records",
            "rrf_10": "recall_10 as a percentage (ASReview's RRF@10)",
            "counted_over": "the records after the prior knowledge, as ASReview-insights does",
        },
    }
    write_json(out / "figures.json", about)
    _plot(result.curve, result.figures, path.name, len(result.prior), out / "recall_curve.png")
    return SimulationSummary(records=len(records), relevant=n_relevant, figures=result.figures, folder=out,
                             prior_rows=list(about["prior_rows"]))


def _plot(curve: pd.DataFrame, figures: dict[str, float], name: str, n_prior: int, path: Path) -> None:
    """Recall against records screened, with screening in random order (the diagonal) for comparison."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    total = int(curve["screened"].iloc[-1])
    ax.plot(curve["screened"], curve["recall"], color="#4472c4", label="ranked (slr)")
    ax.plot([0, total], [0, 1], color="#999999", linestyle="--", label="random order (expected)")
    ax.axhline(0.95, color="#c00000", linewidth=0.6, linestyle=":", label="95 % recall")
    ax.set_xlim(0, total)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"records screened (after the {n_prior} of the prior knowledge)")
    ax.set_ylabel("recall (relevant found / all relevant)")
    ax.set_title(f"{name}: WSS@95 {figures['wss_95']:.3f}, WSS@100 {figures['wss_100']:.3f}, "
                 f"RRF@10 {figures['rrf_10']:.1f}", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=150)
    plt.close(fig)
