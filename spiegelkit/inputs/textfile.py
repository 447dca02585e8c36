"""Reading an input file as text: its size capped, its encoding recognised, or a clear reason.

Every input file (params, meeting records, catalogue, CSV tables) is read through
:func:`read_text`: an empty file says it is empty, a file above the cap for its kind says
how large it is, UTF-8 (with or without BOM), UTF-16 and UTF-32 (with BOM, or UTF-16 told
by its zero bytes) and Windows-1252 are read, and anything else (an Excel workbook under a
.csv name, a binary file) is named for what it is.
"""

from __future__ import annotations

import codecs
from pathlib import Path

MB = 2 ** 20


class UnreadableText(Exception):
    """A file that cannot be read as text: `message` says why, `hint` how to fix it."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message, self.hint = message, hint


def size_text(size: int) -> str:
    """``9298`` -> ``'9.1 kB'``, ``300`` -> ``'300 bytes'``."""
    if size >= MB:
        return f"{size / MB:.1f} MB"
    return f"{size / 1024:.1f} kB" if size >= 1024 else f"{size} bytes"


def check_size(path: Path, limit: int, kind: str) -> int:
    """The size of `path`, or :class:`UnreadableText` when it is empty or above `limit`."""
    try:
        size = Path(path).stat().st_size
    except OSError as exc:
        raise UnreadableText(f"cannot be read ({exc.strerror})", "check the path and the "
                             "file's permissions") from None
    if size == 0:
        raise UnreadableText("is empty (0 bytes)", f"the file holds nothing: save the {kind} "
                             "again from the program you made it with, or remove the file")
    if size > limit:
        article = "an" if kind[:1] in "aeiou" else "a"
        raise UnreadableText(f"is {size_text(size)}, more than the {size_text(limit)} {article} "
                             f"{kind} may have", f"this is not {article} {kind} of normal size: "
                             "check that it is the right file")
    return size


def read_text(path: Path, limit: int, kind: str) -> tuple[str, str]:
    """(text, encoding) of a file of at most `limit` bytes; raises :class:`UnreadableText`."""
    check_size(path, limit, kind)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UnreadableText(f"cannot be read ({exc.strerror})", "check the path and the "
                             "file's permissions") from None
    return decode(raw, kind)


BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16")]
SAVE_AS = "save it as UTF-8 (in Excel: 'CSV UTF-8'; in an editor: encoding UTF-8)"


def decode(raw: bytes, kind: str) -> tuple[str, str]:
    """Decode bytes of a text file, recognising BOMs, BOM-less UTF-16 and Windows-1252."""
    if raw.startswith(b"PK\x03\x04"):
        raise UnreadableText("is a zip file, probably an Excel workbook (xlsx) under another name",
                             "rename it to .xlsx, or save it from Excel as CSV")
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableText("is an old Excel workbook (.xls) or another Office file, not text",
                             "open it in Excel and save it as .xlsx or as CSV UTF-8")
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding.upper().replace("-SIG", " (with BOM)")
            except UnicodeDecodeError as exc:
                raise UnreadableText(f"starts as {encoding.upper()} text but byte {exc.start} "
                                     "is not valid in that encoding", SAVE_AS) from None
    if b"\x00" in raw:
        even, odd = raw[0::2].count(0), raw[1::2].count(0)
        half = len(raw) // 2
        for encoding, zeros in (("utf-16-le", odd), ("utf-16-be", even)):
            if half and zeros > 0.3 * half:
                try:
                    return raw.decode(encoding), "UTF-16"
                except UnicodeDecodeError:
                    break
        raise UnreadableText(f"holds zero bytes: it is a binary file, not a {kind} as text",
                             f"save the {kind} as text ({SAVE_AS})")
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:  # Excel and Notepad on Windows save as Windows-1252
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise UnreadableText(f"is neither UTF-8 nor Windows-1252 text (byte {utf8_error.start} "
                             f"is 0x{raw[utf8_error.start]:02x})", SAVE_AS) from None
