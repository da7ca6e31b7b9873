"""Splitting EI bytes into lines without ever holding more than one line of a stream.

EI files are one record per line joined with CR LF; the last record may lack its CR LF. The
reader reports how each line ended so the validator can cite 8095 ("CR/LF zonder voorafgaand
record of record zonder aansluitend CR/LF is niet toegestaan"), and caps the length it reads so
a file without line breaks cannot exhaust memory.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO, Final

__all__ = ["CRLF", "EOF", "LF", "MAX_LINE", "OVERLONG", "Source", "iter_lines"]

Source = bytes | bytearray | memoryview | BinaryIO

CRLF: Final = "crlf"  # the proper terminator
LF: Final = "lf"  # a line feed without its carriage return
EOF: Final = "eof"  # the last line, without a terminator (accepted on reading)
OVERLONG: Final = "overlong"  # longer than any record: only the first MAX_LINE bytes are kept

# The widest record we know is 610 (ZH308); anything far beyond is not a record at all.
MAX_LINE: Final = 4096


def _as_stream(source: Source) -> BinaryIO:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source))
    return source


def _skip_rest(stream: BinaryIO) -> None:
    """Consume the remainder of an overlong line, one bounded chunk at a time."""
    while True:
        more = stream.readline(MAX_LINE)
        if not more or more.endswith(b"\n"):
            return


def iter_lines(source: Source) -> Iterator[tuple[str, str]]:
    """Yield ``(text, ending)`` per line: latin-1 text without its terminator, and how it ended.

    Latin-1 maps every byte to a character, so decoding never fails; wrong encodings show up
    as wrong field contents instead.
    """
    stream = _as_stream(source)
    readline = stream.readline
    while raw := readline(MAX_LINE):
        if raw.endswith(b"\r\n"):
            yield raw[:-2].decode("latin-1"), CRLF
        elif raw.endswith(b"\n"):
            yield raw[:-1].decode("latin-1"), LF
        elif len(raw) >= MAX_LINE:
            _skip_rest(stream)
            yield raw.decode("latin-1"), OVERLONG
        else:
            yield raw.decode("latin-1"), EOF
