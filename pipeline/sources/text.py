"""Reading export files as text: UTF-8 first, then the declared or a detected encoding."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError


def read_text(path: Path, encoding: str | None = None) -> tuple[str, list[str]]:
    """The file's text and any warnings about how it was decoded.

    UTF-8 (with or without BOM) is read silently. A file in another encoding is decoded with the
    protocol's `encoding:` when given; otherwise the encoding is detected (charset-normalizer) and
    a warning says which one was used, so the user can pin it. When detection is unsure, the error
    names the file, the first bad byte and what to set.
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
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding and best.encoding not in ("utf_8", "ascii"):
        name = best.encoding.replace("_", "-")
        return str(best), [f"{Path(path).name}: not UTF-8; decoded as {name} (detected). "
                           f"Set encoding: {name} in the protocol to make this explicit"]
    raise InputError(f"{path}: not UTF-8 (first bad byte at offset {first_bad}) and the encoding could not be detected",
                     hint="set encoding: in the source (e.g. latin-1, cp1252, utf-16) or re-save the file as UTF-8")
