"""Compiled readers: the typed values of chosen fields, straight from a record's text.

``RecordLayout.reader(keys)`` compiles, once per layout and key list, what ``Record.get`` does
key by key: the slices of every field in one ``itemgetter``, then one conversion per value
chosen by the field's kind (the same conversions as ``Record.get``); a semantic amount key
slices its amount with the D/C indicator that follows it and reads them signed. A hot loop
(adjudication reads a dozen fields of every line of a 100,000-line file) then costs two
C-level passes per record and no lookups.

A key the layout lacks raises UnknownFieldError when the reader is compiled, unless the caller
says what it means there (``absent``): a field missing from a standard is the caller's
decision, never a silent 0 or "".

``RecordLayout.inspect(text)`` is the lenient twin for showing a file as it is, broken or not
(``vecozo-sim explain``): every field of any line, short lines padded, each with its text and
either the same value the strict reader gives or the reason it has none.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from operator import call, itemgetter
from typing import Any, TypeVar

from identifiers import is_ascii_digits
from vektis._errors import LayoutError, UnknownFieldError
from vektis._layout import Field, Kind, RecordLayout
from vektis._values import CONVERTERS, code_or_empty, parse_date

__all__ = ["FieldReader", "Inspected", "compile_inspector", "compile_reader"]

Converter = Callable[[str], Any]
T = TypeVar("T")

# Text that stays text: ``str.__str__`` gives a str itself back, cheaper than calling ``str``.
_FAST: Mapping[Kind, Converter] = {Kind.CODE: str.__str__, Kind.SIGN: str.__str__}


def _constant(value: object) -> Converter:
    """A converter of the empty slice that stands for an absent field: its value, in C."""
    return {"": value}.__getitem__


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldReader:
    """Reads ``keys`` out of the text of a record of one layout, in that order."""

    keys: tuple[str, ...]
    pick: Callable[[str], tuple[str, ...]]
    converters: tuple[Converter, ...]
    first: Converter  # the value of the first key alone: one slice, one conversion

    def __call__(self, raw: str) -> list[Any]:
        """The values of ``keys`` in the record text ``raw`` (a record the codec accepted)."""
        return list(map(call, self.converters, self.pick(raw)))

    def into(self, make: Callable[[Iterable[Any]], T]) -> Callable[[str], T]:
        """A reader that hands the values straight to ``make`` (a NamedTuple's ``_make``):
        one call per record, for loops over every line of a file."""
        converters, pick = self.converters, self.pick
        return lambda raw: make(map(call, converters, pick(raw)))


def _signed(text: str) -> int:
    """An amount followed by its D/C indicator (COD043: "C = credit (negatief bedrag)")."""
    return -int(text[:-1]) if text[-1] == "C" else int(text[:-1])


def _single(layout: RecordLayout, key: str) -> Field:
    fields = layout.field(key)
    if not fields:
        raise UnknownFieldError(f"record {layout.record_type} has no field {key!r}")
    if len(fields) > 1:
        raise UnknownFieldError(
            f"record {layout.record_type}: {key!r} is {len(fields)} fields, not one value"
        )
    return fields[0]


def _part(
    layout: RecordLayout,
    key: str,
    absent: Mapping[str, object],
    zeros_empty: Collection[str],
    trim: bool,
) -> tuple[slice, Converter]:
    """The slice of one key and its conversion."""
    if key in absent and not layout.field(key):
        return slice(0, 0), _constant(absent[key])
    field = _single(layout, key)
    if key in zeros_empty and field.kind is not Kind.CODE:
        raise UnknownFieldError(f"record {layout.record_type}: {key!r} is no code field")
    if field.kind is Kind.AMOUNT and field.sign and key == field.key:
        sign = layout.by_number[field.sign]
        if sign.start != field.end:
            raise LayoutError(f"field {field.number}: its D/C indicator does not follow it")
        return slice(field.start, sign.end), _signed
    if key in zeros_empty:
        return slice(field.start, field.end), layout.memo(code_or_empty)
    if field.kind is Kind.DATE:
        return slice(field.start, field.end), layout.memo(parse_date)
    if trim and field.kind is Kind.TEXT:
        return slice(field.start, field.end), str.strip
    return slice(field.start, field.end), _FAST.get(field.kind, CONVERTERS[field.kind])


def compile_reader(
    layout: RecordLayout,
    keys: tuple[str, ...],
    *,
    absent: Mapping[str, object],
    zeros_empty: Collection[str],
    trim: bool,
) -> FieldReader:
    """The reader of ``keys`` for ``layout``; see ``RecordLayout.reader``."""
    if not keys:
        raise ValueError("a reader reads at least one key")
    parts = [_part(layout, key, absent, zeros_empty, trim) for key in keys]
    slices = [where for where, _ in parts]
    pick = itemgetter(*slices) if len(slices) > 1 else _one(slices[0])
    return FieldReader(
        keys=keys,
        pick=pick,
        converters=tuple(c for _, c in parts),
        first=_first(*parts[0]),
    )


def _first(where: slice, convert: Converter) -> Converter:
    return lambda raw: convert(raw[where])


def _one(where: slice) -> Callable[[str], tuple[str, ...]]:
    """``itemgetter`` of one item gives the item itself, not a tuple of one."""
    return lambda raw: (raw[where],)


# --- lenient reading: every field of any line, for showing broken files -----------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Inspected:
    """One field of a record read leniently: its text, and its value or why it has none."""

    field: Field
    text: str  # the field's positions as they stand (a short record padded with spaces)
    value: object  # what ``Record.get`` gives by field number, an amount signed; None on a problem
    problem: str  # "" when the text reads as the field's kind, else why it does not


Inspector = Callable[[str], tuple[Inspected, ...]]


def compile_inspector(layout: RecordLayout) -> Inspector:
    """The lenient reader of ``layout``; see ``RecordLayout.inspect``."""
    readers = tuple(_lenient(layout, f) for f in layout.fields)
    length = layout.length

    def inspect(raw: str) -> tuple[Inspected, ...]:
        padded = raw.ljust(length)
        return tuple(read(padded) for read in readers)

    return inspect


def _lenient(layout: RecordLayout, field: Field) -> Callable[[str], Inspected]:
    """How one field is read leniently: the strict conversion, its failure a problem."""
    where = slice(field.start, field.end)
    if field.kind is Kind.DATE:
        convert: Converter = layout.memo(parse_date)
    elif field.kind is Kind.SIGN:
        convert = _indicator
    elif field.kind in (Kind.INT, Kind.AMOUNT):
        convert = _number
    else:
        convert = CONVERTERS[field.kind]
    sign = layout.by_number.get(field.sign) if field.kind is Kind.AMOUNT and field.sign else None

    def read(padded: str) -> Inspected:
        text = padded[where]
        try:
            value = convert(text)
        except ValueError as exc:
            return Inspected(field=field, text=text, value=None, problem=str(exc))
        if sign is not None and padded[sign.start] == "C":  # any other indicator: debit
            value = -value
        return Inspected(field=field, text=text, value=value, problem="")

    return read


def _number(text: str) -> int:
    """Digits only: ``int`` alone would also take spaces, signs and underscores."""
    if not is_ascii_digits(text):
        raise ValueError(f"{text!r} is not numeric")
    return int(text)


def _indicator(text: str) -> str:
    """COD043: "D = debet (nul of positief bedrag), C = credit (negatief bedrag)"."""
    if text not in ("D", "C"):
        raise ValueError(f"{text!r} is neither D nor C")
    return text
