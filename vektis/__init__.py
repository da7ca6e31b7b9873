"""Vektis EI standards: layouts as data, one codec, validation, return files, code lists.

Pure: bytes and values in, values out; nothing here opens files or sockets.
"""

from vektis._codec import EIFile, Record, iter_records, parse_file, render_file
from vektis._errors import (
    FormatError,
    LayoutError,
    RenderError,
    UnknownFieldError,
    UnknownStandardError,
    VektisError,
)
from vektis._identifiers import (
    AgbCode,
    bsn_check_digit,
    is_valid_bsn,
    is_valid_uzovi,
    make_bsn,
    practice_code,
)
from vektis._layout import STANDARDS, Field, RecordLayout, Standard, detect_standard, get_standard

__all__ = [
    "STANDARDS",
    "AgbCode",
    "EIFile",
    "Field",
    "FormatError",
    "LayoutError",
    "Record",
    "RecordLayout",
    "RenderError",
    "Standard",
    "UnknownFieldError",
    "UnknownStandardError",
    "VektisError",
    "bsn_check_digit",
    "detect_standard",
    "get_standard",
    "is_valid_bsn",
    "is_valid_uzovi",
    "iter_records",
    "make_bsn",
    "parse_file",
    "practice_code",
    "render_file",
]
