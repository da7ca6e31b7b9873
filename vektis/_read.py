"""Compiled readers: the typed values of chosen fields, straight from a record's text.

``RecordLayout.reader(keys)`` compiles, once per layout and key list, what ``Record.get`` does
key by key: the slices of every field in one ``itemgetter``, then one conversion per value
chosen by the field's kind (the same conversions as ``Record.get``), and the D/C indicator of
a semantic amount key applied afterwards. A hot loop (adjudication reads a dozen fields of
every line of a 100,000-line file) then costs two C-level passes per record and no lookups.

A key the layout lacks raises UnknownFieldError when the reader is compiled, unless the caller
says what it means there (``absent``): a field missing from a standard is the caller's
decision, never a silent 0 or "".
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from operator import call, itemgetter
from typing import Any

from vektis._errors import UnknownFieldError
from vektis._layout import Field, Kind, RecordLayout
from vektis._values import CONVERTERS, code_or_empty

__all__ = ["FieldReader", "compile_reader"]

Converter = Callable[[str], Any]


def _constant(value: object) -> Converter:
    """A converter of the empty slice that stands for an absent field: its value, in C."""
    return {"": value}.__getitem__


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldReader:
    """Reads ``keys`` out of the text of a record of one layout, in that order."""

    keys: tuple[str, ...]
    pick: Callable[[str], tuple[str, ...]]
    converters: tuple[Converter, ...]
    signs: tuple[tuple[int, int], ...]  # (value index, position of its D/C indicator)

    def __call__(self, raw: str) -> list[Any]:
        """The values of ``keys`` in the record text ``raw`` (a record the codec accepted)."""
        values = list(map(call, self.converters, self.pick(raw)))
        for index, sign in self.signs:
            if raw[sign] == "C":  # COD043: "C = credit (negatief bedrag)"
                values[index] = -values[index]
        return values


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
    layout: RecordLayout, key: str, absent: Mapping[str, object], zeros_empty: Collection[str]
) -> tuple[slice, Converter, int]:
    """The slice, the conversion and the D/C position (-1: none) of one key."""
    if key in absent and not layout.field(key):
        return slice(0, 0), _constant(absent[key]), -1
    field = _single(layout, key)
    if key in zeros_empty and field.kind is not Kind.CODE:
        raise UnknownFieldError(f"record {layout.record_type}: {key!r} is no code field")
    convert = code_or_empty if key in zeros_empty else CONVERTERS[field.kind]
    signed = field.kind is Kind.AMOUNT and field.sign and key == field.key
    sign = layout.by_number[field.sign].start if signed else -1
    return slice(field.start, field.end), convert, sign


def compile_reader(
    layout: RecordLayout,
    keys: tuple[str, ...],
    *,
    absent: Mapping[str, object],
    zeros_empty: Collection[str],
) -> FieldReader:
    """The reader of ``keys`` for ``layout``; see ``RecordLayout.reader``."""
    if not keys:
        raise ValueError("a reader reads at least one key")
    parts = [_part(layout, key, absent, zeros_empty) for key in keys]
    slices = [s for s, _, _ in parts]
    pick = itemgetter(*slices) if len(slices) > 1 else _one(slices[0])
    return FieldReader(
        keys=keys,
        pick=pick,
        converters=tuple(c for _, c, _ in parts),
        signs=tuple((i, sign) for i, (_, _, sign) in enumerate(parts) if sign >= 0),
    )


def _one(where: slice) -> Callable[[str], tuple[str, ...]]:
    """``itemgetter`` of one item gives the item itself, not a tuple of one."""
    return lambda raw: (raw[where],)
