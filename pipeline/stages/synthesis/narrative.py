"""The report's sections a writer starts from, in the study's terms: Definitions (complementary and
contrasting), Key findings per heading, Current and new directions, Case studies (issuers
compared, the client set against them) and Recommendations (prompts). Every sentence states a
count, a share or a quotation from the outputs; nothing is invented.
"""

from __future__ import annotations

import pandas as pd

from ...report.escape import md_text
from .report import issuer_lines
from .tables import to_markdown


def definitions_section(table: pd.DataFrame, elements: pd.DataFrame) -> list[str]:
    lines = ["## Definitions", ""]
    if table.empty:
        return lines + ["No included source defines or characterises micro-credentials in its abstract or full text "
                        "(definitional patterns: tables/definitions.csv). Coders can add definitions they find.", ""]
    works = table["work_id"].nunique()
    lines += [f"{len(table)} definitional sentence(s) in {works} source(s). Families: "
              + "; ".join(f"{md_text(family)} {n}" for family, n in table["family"].value_counts().items()) + ".", ""]
    shown = table[["source", "definition", "page", "family"]].assign(definition=table["definition"].str.slice(0, 400))
    lines += [to_markdown(shown), ""]
    for kind, title in (("complementary", "Complementary elements (shared by most definitions)"),
                        ("contrasting", "Contrasting elements (present in some, absent or contradicted in others)")):
        group = elements[elements["kind"] == kind]
        lines += [f"**{title}**", ""]
        if group.empty:
            lines += ["- none", ""]
            continue
        for row in group.to_dict("records"):
            text = (f"- **{md_text(row['element'])}**: {row['sources']} of {works} source(s) ({row['share_percent']}%): "
                    f"{md_text(row['quoted_by'])}")
            if row["contradicted_by"]:
                text += f"; contradicted by {md_text(row['contradicted_by'])}"
            elif kind == "contrasting" and row["absent_from"]:
                text += f"; absent from {md_text(row['absent_from'])}"
            lines.append(text + ".")
        lines.append("")
    absent = elements.loc[elements["kind"] == "absent", "element"].tolist()
    if absent:
        lines += [f"No definition names: {', '.join(md_text(a) for a in absent)}.", ""]
    return lines


def findings_section(table: pd.DataFrame, directions: pd.DataFrame) -> list[str]:
    lines = ["## Key findings", ""]
    if table.empty:
        return lines + ["No code was found in the included sources.", ""]
    for heading, group in table.groupby("heading", sort=False):
        lines += [f"### {md_text(heading)}", ""]
        for row in group.sort_values(["sources", "code"], ascending=[False, True]).to_dict("records"):
            text = f"- **{md_text(row['code'])}** ({md_text(row['theme'])}): {row['sources']} source(s), {row['share_percent']}%"
            if row["trend"] in ("rising", "falling", "steady"):
                text += f"; {row['trend']} ({row['trend_detail']})"
            lines.append(text + ".")
            if row["negated_by"]:
                lines.append(f"  Sources disagree: {md_text(row['negated_by'])} state it under a negation.")
            for quote in [q for q in str(row["evidence"] or "").split(" | ") if q][:3]:
                lines.append(f"  _{md_text(quote)}_")
        lines.append("")
    lines += ["## Current and new directions", ""]
    if directions.empty:
        lines += ["No code's share moves by 10 percentage points or more between the earlier and later "
                  "publication years (codes in at least 3 sources).", ""]
    else:
        for row in directions.to_dict("records"):
            lines.append(f"- **{md_text(row['code'])}** ({md_text(row['theme'])}) is {row['trend']}: {row['trend_detail']}.")
        lines.append("")
    lines += ["![Sources per theme and year](figures/theme_year_heatmap.png)", ""]
    return lines


def cases_section(issuers: pd.DataFrame, compared: pd.DataFrame, client: str | None) -> list[str]:
    lines = ["## Case studies: practices of selected issuers", ""]
    if issuers.empty:
        return lines + ["No issuer has been extracted yet (the Extraction sheet of coding.xlsx).", ""]
    names = ", ".join(md_text(name) for name in issuers["issuer"].astype(str))
    lines += [f"{len(issuers)} issuer(s) were extracted: {names}."
              + (f" The client is **{md_text(client)}**." if client else ""), ""]
    lines += issuer_lines(issuers, compared) + [""]
    return lines


def recommendations_section(prompts: list[str], client: str | None) -> list[str]:
    lines = ["## Recommendations", ""]
    if not client:
        return lines + ["_Name the client issuer (protocol `synthesis: client:`) to list where its practice "
                        "differs from the other issuers and from the literature._", ""]
    lines += ["_Prompts for the writer: each point where the client's practice differs from most issuers or "
              "from the literature's trend._", ""]
    lines += [f"- {md_text(p)}" for p in prompts] or ["- The client's practice does not differ from most issuers in any "
                                             "extracted field."]
    return lines + [""]
