"""Trial registration numbers: two registrations are two works, however alike their records.

A search of CENTRAL or a trial registry returns registry entries as records: the venue (or URL)
holds the entry's address ("https://clinicaltrials.gov/show/NCT01565798"), the author is the
registry ("Nct"), and one sponsor's trials often have near-identical titles ("Efficacy of Copper
to Reduce Acquisition of …", "Efficacy of Copper in Reducing …"). Articles give their trial's
number in the title too ("… NCIC CTG trial IND.197 (NCT01147484)", "… leptospirosis.
[ISRCTN74625030]"). When both records of a pair carry registration numbers and share none, they
report different trials: a refusal (decide.py), whatever else agrees. A record without a number
says nothing, so an article and its registry entry are still compared on the other fields.

The patterns are the WHO primary registries' formats (ICTRP), written loosely enough for the
punctuation exports add ("ChiCTR-IOR-17011111", "CTRI/2018/03/012345").
"""

from __future__ import annotations

import re
from typing import Any

_REGISTRY = re.compile(
    r"\b(?:NCT\d{8}|ISRCTN\d{8}|ACTRN\d{14}|ChiCTR[-A-Z]*\d{6,}|DRKS\d{8}|CTRI/\d{4}/\d+/\d+|"
    r"EUCTR\d{4}-\d{6}-\d{2}|IRCT\d{6,}N\d+|JPRN-[A-Za-z]+\d+|UMIN\d{9}|NTR\d{3,5}|NL\d{4,5}|KCT\d{7}|"
    r"PACTR\d{15}|TCTR\d{11}|RBR-\w{6}|SLCTR/\d{4}/\d{3}|RPCEC\d{8}|PER-\d{3}-\d{2}|LBCTR\d{10}|ITMCTR\d+)\b",
    re.IGNORECASE)


def registrations(*texts: Any) -> str:
    """The registration numbers in the texts, upper-case, sorted and `,`-joined ("" when none)."""
    found = {m.group(0).upper() for text in texts if isinstance(text, str) and text
             for m in _REGISTRY.finditer(text)}
    # a JPRN number wraps the UMIN one ("JPRN-UMIN000021723"): keep the inner number too, so
    # that the two spellings of one registration share it
    found |= {n.split("-", 1)[1] for n in found if n.startswith("JPRN-")}
    return ",".join(sorted(found))
