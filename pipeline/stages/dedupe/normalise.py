"""Normalise the fields deduplication compares, so that spelling variants of one value agree.

Exports disagree in form, not in content: "Zuna, R E" and "R. E. Zuna"; "288-97" and "288-297";
"J Hosp Infect" and "Journal of Hospital Infection"; "38 (Supplement 1)" and "38"; α and "alpha";
HTML entities and tags; "[Translated title]." in brackets. Each function here maps such variants
to one form, and `prepare` builds the table of normalised features every later step reads.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import pandas as pd

from ...records import clean_text, normalise_doi
from .fold import fold
from .registry import registrations

# ASCII letters and digits kept, everything else a space: str.translate is many times faster than
# a regular expression substitution on long texts (abstracts).
_ALNUM_ONLY = {code: " " for code in range(128) if not chr(code).isdigit() and not "a" <= chr(code) <= "z"}


_TAGS = re.compile(r"<[^>]{1,200}>")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")


def _words(folded: str) -> list[str]:
    """The lower-case letter-and-digit words of a folded text."""
    return folded.translate(_ALNUM_ONLY).split()


# Every text is folded by one function (fold.py): mojibake repaired, any script transliterated.
_fold = fold


def _text(value: Any) -> str:
    """Text with HTML entities and tags removed (also when escaped twice, "&amp;lt;i&amp;gt;"),
    whitespace collapsed, Unicode composed: what records.clean_text does, for any input."""
    if not isinstance(value, str):
        return clean_text(value) or ""
    text = value
    for _ in range(2):
        if "&" in text:
            text = html.unescape(text)
        if "<" in text and ">" in text:
            text = _TAGS.sub(" ", text)
    text = " ".join(text.split())
    return text if text.isascii() else unicodedata.normalize("NFC", text)


# ---------------------------------------------------------------------------------------------
# Titles

_ROMAN = {"ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9", "x": "10"}
_ROMAN_AFTER = {"type", "part", "phase", "class", "grade", "stage", "study", "trial", "group", "series"}
_NUMBER = re.compile(r"\d+")


_TRAILING_NOTE = re.compile(r"\s*\[[^\[\]]*(\]\s*\.?\s*)?$")
_CUT_NOTE_WORDS = 6
_ERRATUM_NOTE = re.compile(r"\s*[\[(]\s*(published\s+)?(erratum|errata|corrigendum|retraction|comments?)\s+(appears|in)\b",
                           re.IGNORECASE)


def strip_title_notes(value: Any) -> str:
    """The title without the notes databases append in brackets.

    MEDLINE and Ovid add "[Erratum appears in …]", "[Review] [72 refs]", "[see comments]" to the
    title of the article itself; a title wholly in brackets is a translation ("[A study of …]").
    """
    text = _text(value).strip().strip('"').strip()
    lowered = text.lower()
    hinted = any(word in lowered for word in ("errat", "corrigend", "retract", "comment"))
    note = _ERRATUM_NOTE.search(text, 1) if hinted and ("[" in text or "(" in text) else None
    if note:  # "… [Erratum appears in …", also when the export cut the closing bracket
        text = text[: note.start()]
    while "[" in text:
        note = _TRAILING_NOTE.search(text)
        stripped = text[: note.start()] if note else text
        if stripped == text or not stripped.strip(" .:;"):
            break
        # a bracket the export cut before its end is a note only while short ("[Review] [72 refs",
        # "[Erratu"); a long unclosed tail is the title going on after a stray "["
        if not note.group(1) and len(note.group(0).split()) > _CUT_NOTE_WORDS:
            break
        text = stripped
    text = text.strip().strip(".").strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return text


def normal_title(value: str) -> str:
    """Title as lower-case words: bracketed notes, HTML and punctuation removed.

    Roman numerals after "type", "phase", "part", … become digits ("type II" = "type 2").
    """
    return _title_words(strip_title_notes(value))


def _title_words(stripped: str) -> str:
    # "Erratum: <title>" and "<title> (vol 142, pg 310, 2003)" are compared by the title they
    # correct (the kind of item is read separately, so an erratum never matches its article).
    if ":" in stripped[:40]:
        stripped = _KIND_PREFIX.sub("", stripped)
    if "(" in stripped:
        stripped = _CORRECTS.sub("", stripped)
    words = _words(_fold(stripped))
    if _ROMAN_AFTER.isdisjoint(words):
        return " ".join(words)
    for i, word in enumerate(words):
        if i and words[i - 1] in _ROMAN_AFTER:
            if word in _ROMAN:
                words[i] = _ROMAN[word]
            elif word == "i":
                words[i] = "1"
    return " ".join(words)


def title_numbers(title: str) -> str:
    """The numbers in a normalised title, sorted and `,`-joined ("" when none)."""
    return ",".join(sorted(_NUMBER.findall(title)))


# Kinds of item that share a title, or most of its words, with the article they are about. Read
# from the title with its punctuation ("Re: …" is a comment, "Re-evaluation of …" is not).
_KIND_AT_START = re.compile(
    r"\W*(?:"
    r"(?P<erratum>errat(?:um|a)|corrigend(?:um|a)|corrections?\s*(?:to\b|:|$|\[|\()|notice of correction"
    r"|publisher'?s note)"
    r"|(?P<retraction>retraction\b|retracted\b|notice of retraction|expression of concern|withdrawn\s*[:.\[])"
    r"|(?P<reply>reply\b|replies\b|in reply\b|re:\s*reply|rebuttal\b"
    r"|response to (?:the )?(?:letter|comment|editor|correspondence|criticism|dr\b)"
    r"|(?:the )?authors?'?s?'? (?:reply|response)\b)"
    r"|(?P<comment>re\s*:|comments? (?:on|to)\b|comments?\s*:|commentary\b|letters?\b|invited commentary"
    r"|editorial comment))")
_KIND_INSIDE = re.compile(r"\b(?P<reply>reply to|authors'? reply)\b|\b(?P<comment>(?:a )?comment (?:on|to))\b")


# Web of Science names an erratum by the article it corrects: "Title (vol 142, pg 310, 2003)".
_CORRECTS = re.compile(r"\s*\(vol\.?\s*\w+,?\s*pg\.?\s*\w+,?\s*\d{4}\)\s*$", re.IGNORECASE)
_KIND_PREFIX = re.compile(r"^\W*(?:errat(?:um|a)|corrigend(?:um|a)|corrections?(?: to)?|retraction(?: note)?"
                          r"|retracted(?: article)?|notice of retraction)\s*:\s*", re.IGNORECASE)


def title_kind(raw_title: str) -> str:
    """'erratum', 'retraction', 'reply', 'comment' or 'article', read from a folded raw title."""
    if _CORRECTS.search(raw_title):
        return "erratum"
    found = _KIND_AT_START.match(raw_title)
    if found:
        return found.lastgroup or "article"
    if "reply" in raw_title or "comment" in raw_title:
        found = _KIND_INSIDE.search(raw_title)
        if found:
            return found.lastgroup or "article"
    return "article"


_GENERIC = {
    "editorial", "editorials", "guest editorial", "editor s note", "editors note", "from the editor",
    "correction", "corrections", "erratum", "errata", "corrigendum", "reply", "response", "in reply",
    "authors reply", "author s reply", "the authors reply", "letter", "letters", "letter to the editor",
    "comment", "comments", "commentary", "abstracts", "abstract", "poster abstracts", "oral abstracts",
    "introduction", "preface", "foreword", "contents", "table of contents", "index", "news",
    "book review", "book reviews", "obituary", "in memoriam", "announcement", "announcements",
    "acknowledgement", "acknowledgements", "acknowledgment", "reviewers", "conference report",
    "meeting report", "proceedings", "poster session", "poster sessions", "oral presentations",
    "posters", "summary", "overview", "highlights", "in this issue", "untitled", "no title",
    "retraction", "notice of retraction", "expression of concern", "discussion", "abstracts of papers",
}


def is_generic_title(title: str) -> bool:
    """Titles that many different items carry ("Editorial", "Reply", "Abstracts") or no title."""
    if not title:
        return True
    if title in _GENERIC:
        return True
    words = title.split()
    # "Reply to Smith", "Correction to the article", "Letter to the editor": a generic head and
    # a few more words say nothing about which item it is.
    if len(words) <= 3 and words[0] in _GENERIC:
        return True
    return len(words) <= 4 and " ".join(words[:2]) in _GENERIC


# ---------------------------------------------------------------------------------------------
# Authors

_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")
_SKIP_AUTHOR = re.compile(r"^\W*(et al|and others|anonymous|n/?a)\W*$", re.IGNORECASE)


@lru_cache(maxsize=200_000)
def author_key(name: str) -> str:
    """One author as "surname initial": "Zuna, R E", "R. E. Zuna", "Zuna RE" all give "zuna r"."""
    name = name.strip()
    if "," in name:
        surname, _, given = name.partition(",")
    else:
        tokens = name.replace(".", ". ").split()
        if len(tokens) <= 1:
            surname, given = name, ""
        elif _INITIALS.match(tokens[-1].replace(". ", ".")):
            # "Zuna RE", "Adeli K.", "Gan L. M.": initials after the surname
            cut = len(tokens) - 1
            while cut > 1 and _INITIALS.match(tokens[cut - 1]):
                cut -= 1
            surname, given = " ".join(tokens[:cut]), " ".join(tokens[cut:])
        else:  # "Ralph E. Zuna"
            surname, given = tokens[-1], " ".join(tokens[:-1])
    surname = "".join(_words(_fold(surname)))
    initial = "".join(_words(_fold(given)))[:1]
    return f"{surname} {initial}".strip()


@lru_cache(maxsize=100_000)
def author_keys(value: Any) -> tuple[str, ...]:
    """The authors of a record as author keys, in order, without "et al." or empty names."""
    if not isinstance(value, str):
        return ()
    keys: list[str] = []
    for name in value.split(";"):
        name = name.strip()
        if not name or _SKIP_AUTHOR.match(name):
            continue
        key = author_key(name)
        if key and key not in keys:
            keys.append(key)
    return tuple(keys)


# ---------------------------------------------------------------------------------------------
# Pages, volume, issue

_MONTHS = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")
_RANGE = re.compile(r"^([a-z]{0,4})0*(\d+)(?:-+([a-z]{0,4})0*(\d+))?$")


_ROMAN_RANGE = re.compile(r"^([ivxlc]+)(?:-+([ivxlc]+))?$")
_ROMAN_VALUE = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def _roman(numeral: str) -> int:
    total = 0
    for here, after in zip(numeral, [*numeral[1:], ""], strict=True):
        value = _ROMAN_VALUE[here]
        total += -value if after and _ROMAN_VALUE[after] > value else value
    return total


def _roman_pages(part: str) -> str:
    """Front-matter pages in roman numerals ("iii-vi", where editorials are printed) as "rom3-rom6",
    so that two editorials on different front pages differ instead of being left out."""
    match = _ROMAN_RANGE.match(part)
    if not match:
        return part
    return "-".join(f"rom{_roman(x)}" for x in match.groups() if x)


@lru_cache(maxsize=200_000)
def normal_pages(value: str) -> str:
    """Pages as "start-end" ranges with the end spelled out, `,`-joined when there are several.

    "288-97" → "288-297", "e133-9" → "e133-e139", "083-087" → "83-87", "R153" stays, "iii-vi" →
    "rom3-rom6". Values a
    spreadsheet or an export broke are left out (""), so that they never count as a difference:
    dates ("11-Sep" was "9-11"), "Suppl-29", "(no pagination)".
    """
    text = _DASHES.sub("-", _text(value)).lower().strip(" \"'")
    text = re.sub(r"\s*\(no pagination\)|^pp?\.?\s*", "", text)
    if not text or _MONTHS.search(text):
        return ""
    ranges = []
    for part in re.split(r"\s*[,+;&]\s*|\s+and\s+", text):
        part = _roman_pages(part.replace(" ", ""))
        match = _RANGE.match(part)
        if not match:
            continue  # "discussion 298", "Suppl-29": not a page range
        prefix, start, prefix2, end = match.groups()
        if end is None or end == start:
            ranges.append(f"{prefix}{start}")
            continue
        if prefix2 and prefix2 != prefix:
            return ""
        if len(end) < len(start):  # "288-97": the end repeats the start's leading digits
            end = start[: len(start) - len(end)] + end
        if int(end) < int(start):
            return ""
        ranges.append(f"{prefix}{start}-{prefix}{end}")
    return ",".join(sorted(ranges))


@lru_cache(maxsize=100_000)
def page_spans(pages: str) -> tuple[tuple[str, int, int], ...]:
    """Normalised pages as (prefix, first, last) spans: "e133-e139" → (("e", 133, 139),)."""
    spans = []
    for part in pages.split(",") if pages else ():
        first, _, last = part.partition("-")
        prefix = first.rstrip("0123456789")  # "e", "s", "iii" (a supplement's roman prefix)
        start = int(first[len(prefix):])
        spans.append((prefix, start, int(last.lstrip("abcdefghijklmnopqrstuvwxyz")) if last else start))
    return tuple(spans)


def pages_agree(a: str, b: str) -> str:
    """"same", "different" or "missing" for two normalised page values.

    Pages agree when any spans agree (`span_agreement`): a single page inside the other's range
    ("488" and "487-488") agrees, "3-8" and "3-4" differ. An article number ("e12724", "a1754") is not comparable with a printed
    page range ("1-6"): "missing". Pages with different letters ("S334", "A254") differ.
    """
    if not a or not b:
        return "missing"
    if a == b:
        return "same"
    spans_a, spans_b = page_spans(a), page_spans(b)
    prefixes_a, prefixes_b = {s[0] for s in spans_a}, {s[0] for s in spans_b}
    if prefixes_a != prefixes_b:
        # "e0137960" and "137960": the same number with and without its letter agrees
        if {s[1] for s in spans_a} & {s[1] for s in spans_b}:
            return "same"
        if "" in prefixes_a or "" in prefixes_b:
            return "missing"  # an article number against printed pages: not comparable
        return "different"  # "S334" and "A254": pages of two different supplements
    found = "different"
    for prefix, start, end in spans_a:
        for prefix2, start2, end2 in spans_b:
            if prefix == prefix2:
                agreement = span_agreement(start, end, start2, end2)
                if agreement == "same":
                    return "same"
                if agreement == "missing":
                    found = "missing"
    return found


def span_agreement(start: int, end: int, start2: int, end2: int) -> str:
    """Two page ranges compared at both ends: "same", "different" or "missing" (can't tell).

    A page inside the other's range agrees ("488" and "487-488"); ranges agree when both ends do,
    give or take two pages (exports miscount the last page: "742-748" and "742-749"). Ranges that
    do not overlap differ, and so does a range that starts where the other starts but is more than
    twice as long, by three pages or more: "3-8" and "3-4" are two items of one issue (a serial's
    editorial and its continuation), not one. Other overlaps are left open ("missing").
    """
    if start > end2 or start2 > end:
        return "different"
    if start == end or start2 == end2 or (abs(start - start2) <= 2 and abs(end - end2) <= 2):
        return "same"
    length, length2 = end - start + 1, end2 - start2 + 1
    if start == start2 and max(length, length2) >= 2 * min(length, length2) and abs(length - length2) >= 3:
        return "different"
    return "missing"


_VOLUME = re.compile(r"^\s*(?:vol(?:ume)?\.?\s*)?([0-9]+[a-z]?)\b", re.IGNORECASE)


@lru_cache(maxsize=100_000)
def normal_volume(value: str) -> str:
    """The volume number: "38 (Supplement 1)" → "38", "29A" → "29a"; fragments like "1)" → ""."""
    text = _text(value)
    if not text or text.endswith(")") and "(" not in text:
        return ""  # the tail of a split "(Supplement 1)": not a volume
    match = _VOLUME.match(text)
    if match:
        return match.group(1).lower()
    numbers = re.findall(r"\b\d+\b", text)  # "Japanese journal of clinical medicine. 69"
    return numbers[-1] if len(numbers) == 1 else ""


def issue_numbers(value: Any) -> frozenset[str]:
    """Every number in the issue field ("10 SUPPL. 1" → {"10", "1"}), for volume/issue mix-ups."""
    return frozenset(str(int(n)) for n in re.findall(r"\d+", value)) if isinstance(value, str) else frozenset()


def normal_doi(value: Any) -> str:
    """The DOI lower-case without prefix, with URL escapes decoded ("%28" → "(")."""
    if not isinstance(value, str) or not value:
        return ""
    return normalise_doi(unquote(value)) or ""


# ---------------------------------------------------------------------------------------------
# Venues

_VENUE_STOP = {"the", "of", "and", "for", "in", "on", "de", "la", "le", "des", "der", "und", "du", "et", "d",
               "y", "e", "di", "del", "do", "da"}
_VENUE_EDITION = {"proceedings", "proc", "annual"}
_EDITION = re.compile(r"(19|20)\d\d|\d+(st|nd|rd|th)")
_PARENS = re.compile(r"\([^)]*\)")
_BRACKETS = re.compile(r"\[([^\]]*)\]")
_URL_SCHEME = re.compile(r"^\s*https?://(?:www\.)?", re.IGNORECASE)
_JOINED = re.compile(r"(?<=[a-z])-(?=[a-z])")


def _venue_words(text: str) -> str:
    text = _JOINED.sub("", text.replace("'", "").replace("\u2019", ""))  # "Cardio-thoracic", "Langenbeck's"
    words = _words(_fold(text.replace("&", " and ")))
    # "journal" becomes "j" so that "J Hosp Infect" and "Journal of Hospital Infection" align;
    # a conference's year, edition and "proceedings" do not name it ("AMCIS 2017 Proceedings")
    return " ".join("j" if w in ("journal", "jour") else w for w in words
                    if w not in _VENUE_STOP and w not in _VENUE_EDITION and not _EDITION.fullmatch(w))


_VENUE_SUBTITLE = re.compile(r"\s*(?::|;|\s/\s|\s-\s|\.\s+|\.$)\s*")
_VENUE_NOISE = {"", "j", "conference", "supplement", "supplements", "proceedings", "abstracts", "electronic resource"}


def _substantive(words: str) -> bool:
    """A name part that can stand for the venue: two words, or one word of five letters or more."""
    parts = words.split()
    return words not in _VENUE_NOISE and (len(parts) >= 2 or (len(parts) == 1 and len(parts[0]) >= 5))


@lru_cache(maxsize=100_000)
def normal_venue(value: str) -> str:
    """Journal or venue as words without stop words; its alternative names `|`-joined.

    The alternatives are the whole name, the name before its subtitle ("Journal of clinical
    oncology : official journal of …", "Circulation. Conference: American Heart Association"),
    and the names given as translations ("Ai zheng = Chinese journal of cancer", "Zhonghua zhong
    liu za zhi [Chinese journal of oncology]"); venues agree when any names agree. "journal" is
    written "j", so that "J Hosp Infect" and "Journal of Hospital Infection" align word by word.
    """
    # a web address is one name: "https://clinicaltrials.gov/show/NCT01565798" is not the venue
    # "https" with a subtitle (every address would agree with every other)
    text = _PARENS.sub(" ", _URL_SCHEME.sub("", _text(value)))
    names = [*_BRACKETS.sub(" ", text).split(" = "), *_BRACKETS.findall(text)]
    alternatives: list[str] = []
    for name in names:
        whole = _venue_words(name)
        head = _venue_words(_VENUE_SUBTITLE.split(name.strip(), maxsplit=1)[0])
        for words in (whole, head):
            if words not in alternatives and (words == whole and words not in _VENUE_NOISE or _substantive(words)):
                alternatives.append(words)
    return "|".join(alternatives)


# ---------------------------------------------------------------------------------------------
# The feature table


FEATURES = (
    "title", "title_numbers", "kind", "generic", "authors", "author_text", "surname_text", "first_author",
    "year", "doi", "volume", "issue_numbers", "issue", "pages", "first_page", "venue", "abstract", "registry",
)


def prepare(records: pd.DataFrame) -> pd.DataFrame:
    """One row of normalised features per record (columns FEATURES), in the records' order."""
    stripped = [strip_title_notes(t) if isinstance(t, str) else "" for t in records["title"]]
    raw_titles = [_fold(t) for t in stripped]
    titles = [_title_words(t) for t in stripped]
    authors = [author_keys(a) for a in records["authors"]]
    pages = [normal_pages(p) if isinstance(p, str) else "" for p in records["pages"]]
    years = [int(y) if pd.notna(y) else None for y in records["year"]]
    issues = [issue_numbers(v) for v in records["issue"]]
    # The start of an abstract is enough to tell two abstracts apart, and cheap to compare.
    abstracts = [" ".join(_words(_fold(_text(a[:800]))))[:600] if isinstance(a, str) else ""
                 for a in records["abstract"]]
    return pd.DataFrame({
        "title": titles,
        "title_numbers": [title_numbers(t) for t in titles],
        "kind": [title_kind(t) for t in raw_titles],
        "generic": [is_generic_title(t) for t in titles],
        "authors": authors,
        # compared as texts: "zuna_r wang_s" (surname and initial), "zuna wang" (surnames)
        "author_text": [" ".join(k.replace(" ", "_") for k in a) for a in authors],
        "surname_text": [" ".join(k.split(" ")[0] for k in a) for a in authors],
        "first_author": [a[0].split(" ")[0] if a else "" for a in authors],
        "year": years,
        "doi": [normal_doi(d) for d in records["doi"]],
        "volume": [normal_volume(v) if isinstance(v, str) else "" for v in records["volume"]],
        "issue_numbers": issues,
        # the issue as its numbers ("No. 2" → "2", "2-3" → "2,3"): compared when volumes agree.
        # Numbers of four digits or more are article numbers an export put in the issue field
        # ("e0143396"), or years, not issues.
        "issue": [",".join(sorted((x for x in n if len(x) <= 3), key=int)) for n in issues],
        "pages": pages,
        "first_page": [p.split(",")[0].split("-")[0] for p in pages],
        "venue": [normal_venue(v) if isinstance(v, str) else "" for v in records["venue"]],
        "abstract": abstracts,
        # trial registration numbers in the title, venue or URL (registry.py)
        "registry": [registrations(*texts) for texts in zip(
            records["title"], records["venue"], records["url"] if "url" in records else records["venue"],
            strict=True)],
    })
