"""Reading export files as text: UTF-8 first, then the declared or a detected encoding."""

from __future__ import annotations

import codecs
import threading
from pathlib import Path

from ..errors import InputError

#: Lines named in the warning about invalid bytes in a UTF-8 file.
_SHOWN_LINES = 10
_errors = threading.local()


def _note_bad(exc: UnicodeDecodeError) -> tuple[str, int]:
    _errors.positions.append((exc.start, exc.end))
    return "\ufffd", exc.end


codecs.register_error("slr-note-bad", _note_bad)


def read_text(path: Path, encoding: str | None = None) -> tuple[str, list[str]]:
    """The file's text and any warnings about how it was decoded.

    UTF-8 (with or without BOM) is read silently. A UTF-8 file with a few invalid bytes (one stray
    latin-1 byte pasted in) stays UTF-8: each bad byte becomes U+FFFD and a warning names the
    lines. Only a file whose non-ASCII bytes are mostly not UTF-8 is decoded otherwise: with the
    protocol's `encoding:` when given, else with the detected encoding (charset-normalizer) and a
    warning naming it, so the user can pin it. When detection is unsure, the error names the file,
    the first bad byte and what to set.
    """
    data = Path(path).read_bytes()
    if encoding:
        try:
            return data.decode(encoding), []
        except LookupError:
            raise InputError(f'{path}: unknown encoding "{encoding}"',
                             hint="use a Python codec name such as utf-8, latin-1, cp1252, utf-16") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: byte {exc.start} cannot be read as {encoding}",
                             hint="check the encoding: key of this source") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), []
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    mostly_utf8 = _mostly_utf8(data)
    if mostly_utf8 is not None:
        return mostly_utf8[0], [f"{Path(path).name}: {mostly_utf8[1]}"]
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding and best.encoding not in ("utf_8", "ascii"):
        name = best.encoding.replace("_", "-")
        return str(best), [f"{Path(path).name}: not UTF-8; decoded as {name} (detected). "
                           f"Set encoding: {name} in the protocol to make this explicit"]
    raise InputError(f"{path}: not UTF-8 (first bad byte at offset {first_bad}) and the encoding could not be detected",
                     hint="set encoding: in the source (e.g. latin-1, cp1252, utf-16) or re-save the file as UTF-8")


def _mostly_utf8(data: bytes) -> tuple[str, str] | None:
    """(text, warning) when most non-ASCII characters of `data` are valid UTF-8, else None.

    A file in latin-1 or cp1252 has no valid multi-byte sequence at all (or a chance few); a UTF-8
    file with a stray byte has many valid ones and a few bad. Counting both tells them apart
    without guessing a codec for a file that is UTF-8 (guessing turned such files into hp-roman8,
    cp775 or gb18030 text)."""
    offset = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    _errors.positions = []
    try:
        text = data[offset:].decode("utf-8", errors="slr-note-bad")
        bad = _errors.positions
    finally:
        _errors.positions = []
    bad_bytes = sum(end - start for start, end in bad)
    # Non-ASCII characters decoded, minus the U+FFFD put in for bad bytes: valid multi-byte ones.
    valid_chars = len(text) - len(text.encode("ascii", "ignore")) - len(bad)
    if valid_chars <= 0 or bad_bytes > valid_chars:
        return None
    lines = sorted({data.count(b"\n", 0, start + offset) + 1 for start, _ in bad})
    shown = ", ".join(map(str, lines[:_SHOWN_LINES])) + (f" and {len(lines) - _SHOWN_LINES} more" if len(lines) > _SHOWN_LINES else "")
    return text, (f"{bad_bytes} byte(s) are not valid UTF-8 (line{'s' if len(lines) > 1 else ''} {shown}); "
                  f"read as UTF-8 with each bad byte shown as \ufffd. Fix those lines, or set encoding: "
                  f"if the file is in another encoding")
