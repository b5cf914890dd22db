"""Coders' codes over the proposals: which codes stand, where two coders disagree, and how much
they agree (Cohen's kappa per theme).

Needs the coding ledger rows (work_id, rq, theme, codes, coder, time, record_ids) and, to follow
works through re-runs of dedupe, the current works (work_id, record_ids). Rules, per work and
theme (a reader can check them against codes.csv):

- Codes follow works: a row made on a work id that no longer exists applies to the current
  work(s) holding the records it was made on (dedupe merged or split it since); rows whose
  records are gone are dropped here and stay in the ledger file.
- The latest row of each coder counts (the ledger keeps the history); a coder's rows made on
  two works that dedupe has since merged add up (both describe the same work).
- A `consensus` row settles the theme. Otherwise the codes every coder gave stand (coder
  "ana+bo"); codes only some coders gave are a conflict, listed by `conflicts`.
- A theme no coder coded keeps the proposals (when the protocol accepts them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations
from typing import Any

import pandas as pd

from ... import ledger_follow
from ...agreement import cohen_kappa
from ...records import join_list, split_list

#: `evidence` (the coder's own, preferred over the proposal's) came later: older ledgers lack it.
LEDGER_COLUMNS = ("work_id", "rq", "theme", "codes", "coder", "note", "time", "workbook", "workbook_checksum",
                  "record_ids", "evidence")
CONSENSUS = "consensus"
KEY = ["work_id", "rq", "theme"]
CONFLICT_COLUMNS = ("work_id", "rq", "theme", "coders", "agreed", "disputed")


def follow_works(ledger: pd.DataFrame | None, works: pd.DataFrame) -> pd.DataFrame:
    """Ledger rows with `work_id` rewritten to the current works (`ledger_follow.follow_works`)."""
    return ledger_follow.follow_works(ledger, works, LEDGER_COLUMNS)


def latest_human(ledger: pd.DataFrame | None) -> pd.DataFrame:
    """One row per work, theme and coder: the coder's latest codes (united over merged works)."""
    if ledger is None or ledger.empty:
        return pd.DataFrame(columns=list(LEDGER_COLUMNS))
    frame = ledger.reindex(columns=[*LEDGER_COLUMNS, "_origin"])
    frame["_origin"] = frame["_origin"].astype(object).where(frame["_origin"].notna(), frame["work_id"])
    latest = frame.sort_values("time", kind="stable").groupby([*KEY, "coder", "_origin"], as_index=False).last()
    rows = []
    for key, group in latest.groupby([*KEY, "coder"], sort=True):
        codes = sorted({c for value in group["codes"] for c in split_list(value)})
        evidence = list(dict.fromkeys(str(e).strip() for e in group["evidence"] if isinstance(e, str) and e.strip()))
        rows.append({**dict(zip([*KEY, "coder"], key, strict=True)), "codes": join_list(codes),
                     "time": group["time"].max(), "note": group["note"].iloc[-1],
                     "evidence": " | ".join(evidence) or None})
    return pd.DataFrame(rows).reindex(columns=list(LEDGER_COLUMNS))


def _by_theme(human: pd.DataFrame) -> dict[tuple[str, str, str], dict[str, set[str]]]:
    themes: dict[tuple[str, str, str], dict[str, set[str]]] = defaultdict(dict)
    for row in human.to_dict("records"):
        themes[(row["work_id"], row["rq"], row["theme"])][str(row["coder"])] = set(split_list(row["codes"]))
    return themes


def standing(human: pd.DataFrame) -> dict[tuple[str, str, str], tuple[set[str], str]]:
    """Per coded work and theme: the codes that stand and who gave them (see the module rules)."""
    out = {}
    for key, coders in _by_theme(human).items():
        if CONSENSUS in coders:
            out[key] = (coders[CONSENSUS], CONSENSUS)
        else:
            out[key] = (set.intersection(*coders.values()), "+".join(sorted(coders)))
    return out


def final_codes(proposed: pd.DataFrame, human: pd.DataFrame, columns: Iterable[str], *,
                accept_proposals: bool = True) -> pd.DataFrame:
    """Codes as they stand: coders' codes for the themes they coded, proposals elsewhere; a human
    code keeps the proposal's evidence when the proposal found it. `human` is `latest_human`."""
    settled = standing(human)
    evidence = {(r["work_id"], r["rq"], r["theme"], r["code"]): r for r in proposed.to_dict("records")}
    written: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
    for row in human.to_dict("records"):
        if isinstance(row.get("evidence"), str) and row["evidence"].strip():
            written[(row["work_id"], row["rq"], row["theme"])].append((str(row["coder"]), row["evidence"]))
    rows: list[dict[str, Any]] = []
    if accept_proposals:
        rows = [r for r in proposed.to_dict("records") if (r["work_id"], r["rq"], r["theme"]) not in settled]
    for key, (codes, coder) in settled.items():
        for code in sorted(codes):
            found = evidence.get((*key, code), {})
            mine = next((text for name, cell in written.get(key, []) if name in coder.split("+") or coder == name
                         if (text := coder_evidence(cell, code, codes))), None)
            if mine:
                # The coder's words stand (field "coder", quotable); the page holds only when the
                # coder kept the proposal's sentence.
                found = {"evidence": mine, "field": "coder",
                         "page": found.get("page") if mine == found.get("evidence") else None}
            rows.append({**{name: found.get(name) for name in ("evidence", "field", "page", "term")},
                         "work_id": key[0], "rq": key[1], "theme": key[2], "code": code, "coder": coder,
                         "confidence": 1.0})
    table = pd.DataFrame(rows, columns=list(columns)).sort_values(["work_id", "rq", "theme", "code"], kind="stable")
    table["page"] = pd.array(table["page"], dtype="Int64")
    return table.reset_index(drop=True)


def coder_evidence(cell: str, code: str, codes: Iterable[str]) -> str | None:
    """A coder's evidence for `code` from a theme's evidence cell.

    The cell is exported as "code: sentence | code: sentence"; a coder may edit those parts or
    write one text for the whole theme. A part starting "<code>:" belongs to that code; a cell
    with no such part for any of `codes` applies to each of them.
    """
    parts = [part.strip() for part in str(cell).split(" | ") if part.strip()]
    prefixed = {}
    for part in parts:
        name, sep, text = part.partition(":")
        if sep and name.strip() in set(codes):
            prefixed[name.strip()] = text.strip()
    if prefixed:
        return prefixed.get(code) or None
    return " | ".join(parts) or None


def conflicts(human: pd.DataFrame) -> pd.DataFrame:
    """Work themes where coders gave different codes and no consensus row settled them
    (columns CONFLICT_COLUMNS; `coders` shows each coder's codes)."""
    rows = []
    for (work_id, rq, theme), coders in sorted(_by_theme(human).items()):
        if CONSENSUS in coders or len(coders) < 2 or len({frozenset(s) for s in coders.values()}) == 1:
            continue
        agreed = set.intersection(*coders.values())
        rows.append({"work_id": work_id, "rq": rq, "theme": theme,
                     "coders": " | ".join(f"{name}: {join_list(sorted(codes)) or '(none)'}"
                                          for name, codes in sorted(coders.items())),
                     "agreed": join_list(sorted(agreed)), "disputed": join_list(sorted(set.union(*coders.values()) - agreed))})
    return pd.DataFrame(rows, columns=list(CONFLICT_COLUMNS))


def awaiting_second_coder(human: pd.DataFrame) -> int:
    """Coded work themes with one coder only (with `coders: 2`, these still need the second)."""
    return sum(1 for coders in _by_theme(human).values() if CONSENSUS not in coders and len(coders) == 1)


def agreement(human: pd.DataFrame) -> pd.DataFrame:
    """Per theme and pair of coders: works both coded, identical code sets, and Cohen's kappa
    over the presence of each code (every code either coder gave in a theme, in every work both
    coded, is one yes/no decision). `human` is `latest_human`."""
    per_theme: dict[tuple[str, str], dict[str, dict[str, set[str]]]] = defaultdict(lambda: defaultdict(dict))
    for (work_id, rq, theme), coders in _by_theme(human).items():
        for coder, codes in coders.items():
            if coder != CONSENSUS:
                per_theme[(rq, theme)][coder][work_id] = codes
    out = []
    for (rq, theme), by_coder in sorted(per_theme.items()):
        for a, b in combinations(sorted(by_coder), 2):
            works = sorted(set(by_coder[a]) & set(by_coder[b]))
            if not works:
                continue
            sets_a = [by_coder[a][w] for w in works]
            sets_b = [by_coder[b][w] for w in works]
            universe = sorted(set().union(*sets_a, *sets_b))
            x = [code in s for s in sets_a for code in universe]
            y = [code in s for s in sets_b for code in universe]
            out.append({"rq": rq, "theme": theme, "coder_a": a, "coder_b": b, "works": len(works),
                        "same_codes": sum(p == q for p, q in zip(sets_a, sets_b, strict=True)),
                        "kappa": None if (kappa := cohen_kappa(x, y)) is None else round(kappa, 3)})
    return pd.DataFrame(out, columns=["rq", "theme", "coder_a", "coder_b", "works", "same_codes", "kappa"])
