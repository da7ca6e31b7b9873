"""Dutch healthcare identifiers: BSN (11-proef), AGB codes, UZOVI numbers; ASCII digits.

Pure functions on strings; no I/O. These are shared by every room of the house: the codec
validates with them, the world generates with them, the gateway and the insurers check with them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AgbCode",
    "bsn_check_digit",
    "is_ascii_digits",
    "is_valid_bsn",
    "is_valid_uzovi",
    "make_bsn",
    "practice_code",
]

# "Σ d_i·w_i with w = 9,8,7,6,5,4,3,2,−1 must be ≡ 0 (mod 11); all-zero rejected" (11-proef).
_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def is_ascii_digits(text: str, *, length: int | None = None) -> bool:
    """True when ``text`` is one or more of the digits 0-9 (exactly ``length`` of them, if given).

    ``str.isdigit`` alone also accepts "²" and "١" (an Arabic-Indic one), which neither an EI file
    nor a wire field means as a number, and which ``int`` rejects or reads as a digit.
    """
    return (length is None or len(text) == length) and text.isascii() and text.isdigit()


def is_valid_bsn(bsn: str) -> bool:
    """True when ``bsn`` is nine digits, not all zero, and passes the 11-proef."""
    if not is_ascii_digits(bsn, length=9) or bsn == "000000000":
        return False
    total = sum(int(digit) * weight for digit, weight in zip(bsn, _BSN_WEIGHTS, strict=True))
    return total % 11 == 0


def bsn_check_digit(first_eight: str) -> int | None:
    """The ninth digit that makes ``first_eight`` a valid BSN, or None when no digit does.

    The last weight is -1, so the check digit is the weighted sum of the first eight modulo 11;
    a remainder of 10 cannot be written as one digit and that prefix has no valid BSN.
    """
    if not is_ascii_digits(first_eight, length=8):
        raise ValueError(f"a BSN prefix is eight digits, not {first_eight!r}")
    total = sum(int(d) * w for d, w in zip(first_eight, _BSN_WEIGHTS[:8], strict=True))
    digit = total % 11
    return None if digit == 10 else digit


def make_bsn(number: int) -> str | None:
    """The valid BSN whose first eight digits are ``number`` (0..99,999,999), or None.

    Covers the whole valid space: every valid BSN is ``make_bsn(n)`` for exactly one n.
    """
    if not 0 <= number < 100_000_000:
        raise ValueError(f"a BSN prefix lies in 0..99999999, not {number}")
    prefix = f"{number:08d}"
    digit = bsn_check_digit(prefix)
    if digit is None:
        return None
    bsn = f"{prefix}{digit}"
    return bsn if bsn != "000000000" else None


def is_valid_uzovi(uzovi: str) -> bool:
    """A UZOVI number is four digits (COD061), 0000 is never assigned."""
    return is_ascii_digits(uzovi, length=4) and uzovi != "0000"


def practice_code(zorgverlenersoort: str, number: int) -> str:
    """The AGB practice code: "De praktijkcode bevat op de derde positie een tussennul."

    AGB-code 01(0)23456 -> 01023456.
    """
    if not 0 <= number < 100_000:
        raise ValueError(f"a practice number lies in 0..99999, not {number}")
    return f"{zorgverlenersoort}0{number:05d}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AgbCode:
    """An eight-digit AGB code: zorgverlenersoort (2 digits) + zorgverlenersnummer (6 digits)."""

    code: str

    def __post_init__(self) -> None:
        if not is_ascii_digits(self.code, length=8):
            raise ValueError(f"an AGB code is eight digits, not {self.code!r}")

    @property
    def zorgverlenersoort(self) -> str:
        return self.code[:2]

    @property
    def number(self) -> str:
        return self.code[2:]

    @property
    def is_practice(self) -> bool:
        """Practice codes carry the tussennul on the third position."""
        return self.code[2] == "0"

    @property
    def is_service_bureau(self) -> bool:
        """ "Servicebureau code has zorgverlenerssoort 98.\""""
        return self.zorgverlenersoort == "98"
