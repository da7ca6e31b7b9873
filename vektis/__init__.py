"""Vektis EI standards: layouts as data, one codec, validation, return files, code lists."""

from vektis._identifiers import (
    AgbCode,
    bsn_check_digit,
    is_valid_bsn,
    is_valid_uzovi,
    make_bsn,
    practice_code,
)

__all__ = [
    "AgbCode",
    "bsn_check_digit",
    "is_valid_bsn",
    "is_valid_uzovi",
    "make_bsn",
    "practice_code",
]
