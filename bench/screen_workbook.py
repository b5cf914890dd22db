"""Screening workbook benchmark: export a 50,000-work workbook and import it back, timed.

    python bench/screen_workbook.py [--works 50000]

The works are synthetic: titles and abstracts resampled (with a numbered suffix, so every work is
distinct) from the real SYNERGY set in tests/data/screening/Donners_2021_flat.csv. The export is
`run_screen(ctx, ["ana"])` (criteria + final decisions + the workbook), the import
`run_screen_import` of the same workbook with a decision in every row (filled by openpyxl, not
timed). Goal (issue 5): export + import under 30 s together. A figure, not a test.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import xlsxwriter
from openpyxl import load_workbook

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from pipeline.runner.context import Context  # noqa: E402
from pipeline.runner.screen import run_screen, run_screen_import  # noqa: E402
from pipeline.stages.dedupe import WORK_COLUMNS  # noqa: E402
from pipeline.store import write_csv  # noqa: E402

RESULTS = HERE / "results" / "screen_workbook.txt"
PROTOCOL = (ROOT / "config" / "demo.yaml").read_text(encoding="utf-8")


def make_works(n: int) -> pd.DataFrame:
    real = pd.read_csv(ROOT / "tests" / "data" / "screening" / "Donners_2021_flat.csv", dtype=str)
    real = real[real["title"].notna()].reset_index(drop=True)
    picked = real.sample(n=n, replace=True, random_state=7).reset_index(drop=True)
    works = pd.DataFrame({name: None for name in WORK_COLUMNS}, index=range(n))
    works["work_id"] = [f"W{i:012x}" for i in range(n)]
    works["title"] = picked["title"] + [f" ({i})" for i in range(n)]
    works["abstract"] = picked["abstract"]
    works["year"] = picked["year"]
    works["doi"] = picked["doi"].str.replace("https://doi.org/", "", regex=False)
    works["venue"] = picked["journal"]
    works["record_ids"] = [f"synthetic:{i}" for i in range(n)]
    works["sources"], works["n_records"] = "synthetic", 1
    return works


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--works", type=int, default=50_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "config").mkdir()
        imports = root / "data" / "demo" / "imports"
        imports.mkdir(parents=True)
        for source in (ROOT / "data" / "demo" / "imports").iterdir():
            if source.is_file():
                (imports / source.name).write_bytes(source.read_bytes())
        (root / "config" / "review.yaml").write_text(PROTOCOL.replace("accept_proposals: true", "accept_proposals: false"))
        (root / "config" / "codebook.yaml").write_bytes((ROOT / "config" / "codebook.yaml").read_bytes())
        (root / "data" / "demo" / "fulltext").mkdir(parents=True)
        ctx = Context.load(root, "config/review.yaml")
        write_csv(ctx.store.stage_dir("dedupe") / "works.csv", make_works(args.works))
        started = time.perf_counter()
        summary = run_screen(ctx, ["ana"])
        export = time.perf_counter() - started
        path = summary.workbooks[0]
        book = load_workbook(path)
        ws = book["Screening"]
        header = [c.value for c in ws[1]]
        column = header.index("decision") + 1
        rows = ws.max_row - 1
        for row in range(2, ws.max_row + 1):
            ws.cell(row=row, column=column, value="include" if row % 3 else "maybe")
        book.save(path)
        started = time.perf_counter()
        imported = run_screen_import(ctx, [path])
        import_ = time.perf_counter() - started
    lines = [
        f"screening workbook, {args.works:,} works ({rows:,} rows awaiting the reviewer); "
        f"{platform.platform(terse=True)}, Python {platform.python_version()}, pandas {pd.__version__}, "
        f"XlsxWriter {xlsxwriter.__version__}",
        f"export (criteria + decisions + workbook): {export:.1f} s",
        f"import ({imported.decisions:,} decisions validated and appended): {import_:.1f} s",
        f"together: {export + import_:.1f} s (goal < 30 s)",
    ]
    print("\n".join(lines))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
