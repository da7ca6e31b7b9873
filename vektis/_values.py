"""Field text to Python values and back: the one place that knows the EI value formats.

N fields are zero-padded on the left, AN fields space-padded on the right; dates are CCYYMMDD
with 00000000 for "empty"; amounts are cents whose sign lives in a separate D/C indicator
("De defaultwaarde is 'D' (nul of positief bedrag)").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from operator import methodcaller
from types import MappingProxyType
from typing import Any

from identifiers import is_ascii_digits
from vektis._codelists import GENERIC_CODE
from vektis._errors import RenderError
from vektis._layout import TEXT_CHAR, Field, Kind, RecordLayout

__all__ = [
    "CONVERTERS",
    "EMPTY_DATE",
    "code_or_empty",
    "date_text",
    "dates_ok",
    "decode",
    "parse_date",
    "signed",
]

EMPTY_DATE = "00000000"


def parse_date(text: str) -> date | None:
    """The date in CCYYMMDD ``text``, None for 00000000; ValueError when it is no real day.

    Files repeat the same dates on many lines: readers and ``dates_ok`` go through their
    layout's memo of this function (``RecordLayout.memo``).
    """
    if text == EMPTY_DATE:
        return None
    if not is_ascii_digits(text, length=8):
        raise ValueError(f"{text!r} is not CCYYMMDD")
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def code_or_empty(text: str) -> str:
    """An identifier code (AGB, UZOVI, servicebureau): all zeros means it was left empty."""
    return text if text.strip("0") else ""


# How each kind of field reads: AN text loses its padding on the right, numbers and amounts
# are ints (signed by ``Record.get`` and the readers), dates are dates or None, codes and D/C
# indicators stay text (code-list values such as "0" onbekend are values, not emptiness).
CONVERTERS: Mapping[Kind, Callable[[str], Any]] = MappingProxyType(
    {
        Kind.TEXT: methodcaller("rstrip", " "),
        Kind.INT: int,
        Kind.AMOUNT: int,
        Kind.DATE: parse_date,
        Kind.CODE: str,
        Kind.SIGN: str,
    }
)


def date_text(value: object) -> str:
    """CCYYMMDD for a date, zeros for None; digits given as text pass through."""
    if value is None:
        return EMPTY_DATE
    if isinstance(value, date):
        return f"{value:%Y%m%d}"
    if isinstance(value, str):
        return value
    raise RenderError(f"a date field needs a date or None, not {value!r}")


def decode(field: Field, raw: str) -> object:
    """The typed value of ``field`` in the record text ``raw`` (a valid record)."""
    return CONVERTERS[field.kind](raw[field.start : field.end])


def signed(amount: object) -> tuple[int, str]:
    """Split a signed number of cents into the unsigned amount and its D/C indicator."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise RenderError(f"an amount is a whole number of cents, not {amount!r}")
    return abs(amount), "C" if amount < 0 else "D"


def field_problems(fields: tuple[Field, ...], raw: str) -> list[tuple[Field, str, str]]:
    """Every field of a full-length record whose text breaks its format: (field, code, why)."""
    problems: list[tuple[Field, str, str]] = []
    for field in fields:
        why = _field_problem(field, raw[field.start : field.end])
        if why:
            problems.append((field, field.retourcode or GENERIC_CODE, why))
    return problems


_CONTROL = re.compile(TEXT_CHAR.replace("[^", "[", 1))


def _field_problem(field: Field, text: str) -> str:
    """Why ``text`` is not a valid value of ``field``, or "" when it is."""
    name = field.name.lower()
    if field.kind is Kind.SIGN:
        # COD043: "D = debet (nul of positief bedrag), C = credit (negatief bedrag)"
        return "" if text in ("D", "C") else f"{name}: {text!r} is neither D nor C"
    if field.type == "N":
        why = _numeric_problem(field, text, name)
    elif field.usage == "M" and not text.strip(" "):
        why = f"{name} is mandatory but empty"
    else:
        why = _text_problem(field, text, name)
    return why or _code_list_problem(field, text, name)


def _text_problem(field: Field, text: str, name: str) -> str:
    # AN is text: a control character (NUL, ESC, ...) in it is the writer's fault.
    control = _CONTROL.search(text) if field.usage != "S" else None
    if control is None:
        return ""
    position = field.start + control.start() + 1
    return f"{name}: control character {control.group()!r} at position {position}"


def _code_list_problem(field: Field, text: str, name: str) -> str:
    # A field with a closed code list (vektis/data/codewaarden.psv) holds one of its values,
    # or, when the field is not mandatory, nothing at all.
    if not field.values or text in field.values or (field.usage != "M" and text == field.blank):
        return ""
    allowed = ", ".join(sorted(v.strip() for v in field.values))
    return f"{name}: {text.strip()!r} is not in code list {field.code} ({allowed})"


def _numeric_problem(field: Field, text: str, name: str) -> str:
    # "N (numeriek): digits only, right-aligned, left-padded with zeros"
    if not is_ascii_digits(text):
        return f"{name}: {text!r} is not numeric"
    mandatory = field.usage == "M"
    if field.kind is Kind.DATE:
        # 0020/0021: rejected "als veld uitsluitend nullen bevat of niet voldoet aan het
        # datumformat"
        if text == EMPTY_DATE:
            return f"{name} is mandatory but empty" if mandatory else ""
        try:
            parse_date(text)
        except ValueError:
            return f"{name}: {text} is not a date (CCYYMMDD)"
    elif field.kind is Kind.CODE and mandatory and not text.strip("0"):
        return f"{name} is mandatory but empty"
    return ""


def dates_ok(layout: RecordLayout, text: str) -> bool:
    """Whether every date field of a record is a real day (or empty): the regex cannot tell."""
    read: Any = layout.compiled.get(parse_date) or layout.memo(parse_date)  # per record
    try:
        for f in layout.dates:
            read(text[f.start : f.end])
    except ValueError:
        return False
    return True
