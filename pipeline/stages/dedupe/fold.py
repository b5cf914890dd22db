"""Fold text of any script to lower-case ASCII, so that two records of one work compare as text.

Before this module, accents were dropped by Unicode decomposition and every other non-ASCII
letter was thrown away: a Cyrillic or Chinese title became an empty string (never merged, even
when identical), and mojibake ("Ã‰tude", "JosÃ© Roberto": UTF-8 read as Windows-1252 by one
export) folded to other letters than the clean spelling. Now, in this order:

1. mojibake is repaired with ftfy (only where the tell-tale pairs of characters occur: cheap);
2. dashes, spaces and symbols become word breaks (they separate words, they are not letters);
3. a Greek letter on its own is spelled out ("α-synuclein" → "alpha synuclein"), because
   exports differ in writing it as a letter or a word; a run of Greek letters is a Greek word and
   is transliterated like any other script;
4. every other character is transliterated with anyascii ("Безопасность" → "bezopasnost",
   "糖尿病" → "tang niao bing", "José" → "jose"); each Chinese, Japanese or Korean character
   becomes a word of its own, so that titles in those scripts have words to block and count on.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

# Pairs of characters that UTF-8 read as Windows-1252 or Latin-1 leaves behind: a lead byte
# shown as "Ã", "Â", "â", "Å", … followed by a continuation byte shown as a symbol.
_MOJIBAKE = re.compile("[\u00c2-\u00c5\u00c3\u00e2\u00ef\u00d0\u00d1\u00c4\u00ce\u00cf]"
                       "[\u0080-\u00bf\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a"
                       "\u20ac\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2122]")
_GREEK_RUN = re.compile("[\u0370-\u03ff\u1f00-\u1fff]+")
# Chinese, Japanese and Korean characters (and their compatibility forms): one word each.
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _break_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in (*range(0x2000, 0x2070), 0x00A0, 0x00AD, 0x00B7, 0x00D7, 0x2212, 0x3000, 0x3001, 0x3002,
                 0xFF0C, 0xFF1A, 0xFF1B):
        table[code] = " "  # dashes, spaces, quotes, CJK punctuation: word breaks, not letters to drop
    return table


_BREAKS = _break_table()


def _greek(match: re.Match[str]) -> str:
    run = match.group(0)
    if len(run) > 2:  # a Greek word: transliterate it with the rest
        return run
    names = []
    for char in run:  # "α", "αβ": letters used as symbols, spelled out the way exports spell them
        name = unicodedata.name(char, "")
        names.append(name.split()[-1].lower() if "LETTER" in name else char)
    return f" {' '.join(names)} "


def repair(text: str) -> str:
    """The text with mojibake repaired ("Ã‰tude" → "Étude"); unchanged when it has none."""
    if text.isascii() or not _MOJIBAKE.search(text):
        return text
    import ftfy  # imported on the first mojibake only: 0.04 s of every `slr dedupe` otherwise

    return ftfy.fix_encoding(text)


def fold(text: str) -> str:
    """Lower-case ASCII of any text: mojibake repaired, Greek letters spelled out, every script
    transliterated, symbols turned into spaces (see the module docstring)."""
    if text.isascii():
        return text.lower()
    text = repair(text).translate(_BREAKS)
    text = _GREEK_RUN.sub(_greek, text)
    if _CJK.search(text):
        text = _CJK.sub(lambda m: f" {anyascii(m.group(0))} ", text)
    return anyascii(unicodedata.normalize("NFC", text)).lower()
