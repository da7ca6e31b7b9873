"""Vektis EI standards: layouts as data, one codec, validation, return files, code lists.

Pure: bytes and values in, values out; nothing here opens files or sockets.
"""

from identifiers import (
    AgbCode,
    bsn_check_digit,
    is_valid_bsn,
    is_valid_uzovi,
    make_bsn,
    practice_code,
)
from vektis._codec import EIFile, Record, iter_records, parse_file, render_file
from vektis._codelists import (
    FILE_REJECTED,
    FULLY_AWARDED,
    FULLY_REJECTED,
    GOOD_BUT_FILE_REJECTED,
    NO_REMARK,
    NOT_JUDGED,
    PARTIAL_AWARD,
    UZOVI_REGISTER,
    Prestatiecode,
    Retourcode,
    prestatiecode,
    prestatiecodes,
    retourcode,
    uzovi_group,
)
from vektis._errors import (
    FormatError,
    LayoutError,
    RenderError,
    UnknownFieldError,
    UnknownStandardError,
    VektisError,
)
from vektis._findings import Finding
from vektis._header import Header
from vektis._layout import (
    STANDARDS,
    Field,
    Kind,
    RecordLayout,
    Standard,
    detect_standard,
    get_standard,
)
from vektis._lines import iter_lines
from vektis._read import FieldReader, Inspected
from vektis._returns import Judgement, build_return
from vektis._sample import sample_declaration, sample_records
from vektis._template import SpanTemplate
from vektis._validate import validate

__all__ = [
    "FILE_REJECTED",
    "FULLY_AWARDED",
    "FULLY_REJECTED",
    "GOOD_BUT_FILE_REJECTED",
    "NOT_JUDGED",
    "NO_REMARK",
    "PARTIAL_AWARD",
    "STANDARDS",
    "UZOVI_REGISTER",
    "AgbCode",
    "EIFile",
    "Field",
    "FieldReader",
    "Finding",
    "FormatError",
    "Header",
    "Inspected",
    "Judgement",
    "Kind",
    "LayoutError",
    "Prestatiecode",
    "Record",
    "RecordLayout",
    "RenderError",
    "Retourcode",
    "SpanTemplate",
    "Standard",
    "UnknownFieldError",
    "UnknownStandardError",
    "VektisError",
    "bsn_check_digit",
    "build_return",
    "detect_standard",
    "get_standard",
    "is_valid_bsn",
    "is_valid_uzovi",
    "iter_lines",
    "iter_records",
    "make_bsn",
    "parse_file",
    "practice_code",
    "prestatiecode",
    "prestatiecodes",
    "render_file",
    "retourcode",
    "sample_declaration",
    "sample_records",
    "uzovi_group",
    "validate",
]
