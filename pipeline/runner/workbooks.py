"""Workbooks people fill in: where they live, and the rule that none is replaced while it holds
entries no ledger has.

The dedupe review, the screening and conflicts workbooks and the coding workbook live in
`data/<id>/workbooks/` (`ReviewStore.workbooks_dir`), not in `outputs/`: a reviewer types weeks
of decisions into them, so `rm -rf outputs` must not take those with it. Before a stage writes
such a workbook again (or deletes one it no longer needs), `keep_unimported` reads the old one the
way its import would and refuses when it holds entries the ledger lacks, naming the file, the
count and the command that imports them. A workbook whose entries are all in the ledger is
replaced. One that cannot be read at all, or whose typed entries the import refuses, is kept too:
slr cannot tell what it would lose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import StageError, WorkbookError
from ..sheets import open_workbook, read_sheet
from ..store import ReviewStore


@dataclass(frozen=True)
class FilledWorkbook:
    """A workbook people fill in, and how to tell what it holds that no ledger has yet."""

    path: Path
    #: The import's own reading of the workbook: every entry, checked (raises WorkbookError).
    entries: Callable[[Path], list[dict[str, Any]]]
    #: Of those entries, the ones the ledger does not hold.
    unimported: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
    #: Sheet → the columns people type into: counts the entries of a workbook the import refuses.
    typed: Mapping[str, Sequence[str]]
    #: The command that imports it, without the file (e.g. "slr screen import").
    command: str


def unimported_entries(workbook: FilledWorkbook, store: ReviewStore) -> int:
    """How many entries of the workbook no ledger holds (0 when there is no such file).

    Raises a StageError when the workbook cannot be read, or holds typed entries that its import
    would refuse: in both cases replacing it could lose a person's work.
    """
    path = workbook.path
    if not path.exists():
        return 0
    where = store.relative(path)
    try:
        return len(workbook.unimported(workbook.entries(path)))
    except WorkbookError as exc:
        try:
            book = open_workbook(path)
            typed = sum(_typed_rows(path, book, sheet, columns) for sheet, columns in workbook.typed.items())
        except WorkbookError:
            raise StageError(f"{where} cannot be read ({exc.message}), so slr cannot tell whether it holds "
                             "entries not imported yet; it will not replace it",
                             hint=f"repair it and run `{workbook.command} {where}`, or move it elsewhere to let "
                                  "slr write a fresh one") from None
        if typed:
            raise StageError(f"{where} holds {typed} entr{'y' if typed == 1 else 'ies'} not imported that the "
                             f"import refuses as the workbook stands ({exc.message}); slr will not replace it",
                             hint=f"fix the workbook and run `{workbook.command} {where}`, or move it elsewhere "
                                  "to discard them") from None
        return 0


def keep_unimported(workbooks: Sequence[FilledWorkbook], store: ReviewStore, stage: str) -> None:
    """Refuse (StageError) before anything is written when a workbook about to be replaced or
    deleted holds entries no ledger has."""
    for workbook in workbooks:
        count = unimported_entries(workbook, store)
        if count:
            where = store.relative(workbook.path)
            raise StageError(f"{stage}: {where} holds {count} entr{'y' if count == 1 else 'ies'} not imported "
                             "yet; running now would replace the workbook and lose them",
                             hint=f"import them first: {workbook.command} {where} "
                                  "(or move the file elsewhere to discard them)")


def _typed_rows(path: Path, book: Any, sheet: str, columns: Sequence[str]) -> int:
    if sheet not in book.sheetnames:
        return 0
    frame = read_sheet(path, sheet, book=book, only=list(columns), formulas="keep")
    present = [name for name in columns if name in frame.columns]
    return sum(1 for row in frame[present].itertuples(index=False)
               if any(value is not None and str(value).strip() for value in row))
