"""Escaping record values for Markdown and HTML outputs.

A title or an author name comes from a database or an export file and may hold anything:
`<img src=x onerror=…>`, `[click me](javascript:…)`, a NUL. Every writer of a `.md` or `.html`
file passes each such value through `md_text` (Markdown, which may embed HTML) or `html_text`,
and each link target through `md_url` / `html_url`, so a value is always shown as the text it is
and never becomes markup, a link, an image or a script. `md_plain` undoes `md_text` for the Word
version of the report, whose paragraphs are plain text.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote

#: C0 and C1 control characters (tab, newline and carriage return are handled as spaces), and the
#: Unicode bidirectional overrides that make text display in another order than it is stored.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"[\t\r\n]+")
#: Markdown punctuation that starts link, image, code or autolink syntax, or a table cell.
_MD_SPECIAL = re.compile(r"([\\`\[\]!|])")
_MD_UNESCAPE = re.compile(r"\\([\\`\[\]!|])")


def clean(value: Any) -> str:
    """The value as one line of text: control characters dropped, line breaks as spaces."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return _SPACE.sub(" ", _CONTROL.sub("", str(value)))


def md_text(value: Any) -> str:
    """A value shown as itself in Markdown: HTML special characters as entities, link and image
    brackets, `!`, backticks, pipes and backslashes escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(clean(value), quote=False))


def md_plain(text: str) -> str:
    """The text `md_text` escaped, as a reader sees it (for plain-text outputs such as Word)."""
    return html.unescape(_MD_UNESCAPE.sub(r"\1", text))


def html_text(value: Any) -> str:
    """A value shown as itself in HTML (quotes escaped too, so it is safe inside attributes)."""
    return html.escape(clean(value), quote=True)


def safe_url(value: Any) -> str | None:
    """An http(s) address with spaces, quotes, brackets and controls percent-encoded; None for any
    other scheme (javascript:, data:, file:)."""
    url = clean(value).strip()
    if not re.match(r"(?i)https?://", url):
        return None
    return quote(url, safe="/:?#&=%+,;@~*$'!._-")


def md_url(value: Any) -> str | None:
    """A link target safe inside Markdown's `(…)`, or None."""
    url = safe_url(value)
    return url.replace("(", "%28").replace(")", "%29") if url else None


def html_url(value: Any) -> str | None:
    """A link target safe inside an HTML attribute, or None."""
    url = safe_url(value)
    return html.escape(url, quote=True) if url else None
