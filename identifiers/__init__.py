"""Identifiers shared by every room: BSN (11-proef), AGB codes, UZOVI numbers, ASCII digits.

A leaf: it imports nothing of the project, so both ``vektis`` and ``berichten`` may use it.
"""

from identifiers._identifiers import (
    AgbCode,
    bsn_check_digit,
    is_ascii_digits,
    is_valid_bsn,
    is_valid_uzovi,
    make_bsn,
    practice_code,
)

__all__ = [
    "AgbCode",
    "bsn_check_digit",
    "is_ascii_digits",
    "is_valid_bsn",
    "is_valid_uzovi",
    "make_bsn",
    "practice_code",
]
