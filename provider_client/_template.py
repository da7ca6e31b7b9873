"""One %-template per record kind and file: the generator's fast path to EI lines.

``vektis.render_file`` checks every record against its layout, which is right for arbitrary
input but costs more than the generator can spend per line (the goal is 50,000 lines a second).
The generator's records all have the same shape within a file, so it compiles the layout once
into a template: fields constant for the file are written in, the varying ones are grouped
into a few spans whose text is made once per person or per prestatiecode and reused, the rest
are blank as the layout prescribes. Every generated file is
checked with ``vektis.validate`` in the tests, which keeps this fast path honest.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence

import vektis

__all__ = ["SpanTemplate", "date_text"]

_DATES: dict[dt.date, str] = {}


def date_text(day: dt.date) -> str:
    """CCYYMMDD, cached: a file has few distinct dates and many lines."""
    text = _DATES.get(day)
    if text is None:
        text = _DATES.setdefault(day, f"{day.year:04d}{day.month:02d}{day.day:02d}")
    return text


class SpanTemplate:
    """One record type of one standard as constant text with a few %-slots.

    A slot fills one *span*: a run of consecutive fields the generator renders once and reuses
    (everything about a person, everything about a prestatiecode) instead of formatting every
    field of every line. Constants and blanks inside a span's range belong to the span. A span of
    one numeric field takes an ``int`` (``%0Nd``); one alphanumeric field takes a ``str``, padded
    or cut to width; a longer span takes the text :meth:`span` made for it (compiled to one
    ``format_map`` per span). Amount fields with a D/C indicator take signed cents.
    """

    __slots__ = ("_fields", "_fixed", "_formats", "_ranges", "template")

    def __init__(
        self,
        layout: vektis.RecordLayout,
        *,
        fixed: Mapping[str, object],
        spans: Mapping[str, Sequence[str]],
        slots: Mapping[str, str] | None = None,
    ) -> None:
        """``slots`` overrides the %-conversion of a span, e.g. a constant prefix and ``%010d``."""
        self._fields = layout.fields
        self._fixed = {_only(layout, key).number: value for key, value in fixed.items()}
        self._ranges = {name: _range_of(layout, keys) for name, keys in spans.items()}
        _check_disjoint(layout.record_type, self._ranges)
        self._formats = {
            name: self._span_format(first, last) for name, (first, last) in self._ranges.items()
        }
        self.template = self._compile(layout, slots or {})

    def _compile(self, layout: vektis.RecordLayout, slots: Mapping[str, str]) -> str:
        starts = {first: (name, last) for name, (first, last) in self._ranges.items()}
        parts, index = [layout.record_type], 1  # the record type is always written in
        while index < len(self._fields):
            if index in starts:
                name, last = starts[index]
                parts.append(slots.get(name) or self._slot(index, last))
                index = last + 1
                continue
            parts.append(self._constant_text(self._fields[index]).replace("%", "%%"))
            index += 1
        return "".join(parts)

    def _slot(self, first: int, last: int) -> str:
        field = self._fields[first]
        if first != last or field.sign:
            return "%s"
        n = field.length
        return f"%0{n}d" if field.type == "N" else f"%-{n}.{n}s"

    def _span_format(self, first: int, last: int) -> tuple[str, int]:
        """A ``str.format_map`` template of the span: placeholders by field number."""
        parts = []
        for field in self._fields[first : last + 1]:
            n = field.length
            spec = f"0>{n}" if field.type == "N" else f"<{n}.{n}"
            parts.append(f"{{f{field.number}:{spec}}}")
        return "".join(parts), sum(f.length for f in self._fields[first : last + 1])

    def span(self, name: str, values: Mapping[str, object]) -> str:
        """The text of span ``name``; fields not in ``values`` are fixed or blank."""
        first, last = self._ranges[name]
        texts: dict[str, str] = {}
        for field in self._fields[first : last + 1]:
            value = values.get(field.key, values.get(field.number)) if field.key else None
            if value is None:
                value = values.get(field.number, self._fixed.get(field.number))
            texts["f" + field.number] = self._value_text(field, value, texts)
        template, width = self._formats[name]
        text = template.format_map(texts)
        if len(text) != width:
            raise ValueError(f"span {name!r}: a value does not fit its field ({text!r})")
        return text

    def _value_text(self, field: vektis.Field, value: object, texts: dict[str, str]) -> str:
        if value is None:
            return texts.get("f" + field.number) or field.blank
        if isinstance(value, dt.date):
            return date_text(value)
        if field.sign and isinstance(value, int):  # signed cents: the indicator says D or C
            texts["f" + field.sign] = "C" if value < 0 else "D"
            return str(abs(value))
        return str(value)

    def render(self, *values: object) -> str:
        return self.template % values

    def _constant_text(self, field: vektis.Field) -> str:
        value = self._fixed.get(field.number)
        return field.blank if value is None else _constant(field, value)


def _range_of(layout: vektis.RecordLayout, keys: Sequence[str]) -> tuple[int, int]:
    positions = {f.number: i for i, f in enumerate(layout.fields)}
    indexes = []
    for key in keys:
        field = _only(layout, key)
        indexes.append(positions[field.number])
        if field.sign:
            indexes.append(positions[field.sign])
    return min(indexes), max(indexes)


def _check_disjoint(record_type: str, ranges: Mapping[str, tuple[int, int]]) -> None:
    ordered = sorted(ranges.items(), key=lambda item: item[1])
    for (a, (_, a_last)), (b, (b_first, _)) in itertools.pairwise(ordered):
        if b_first <= a_last:
            raise ValueError(f"record {record_type}: spans {a!r} and {b!r} overlap")


def _only(layout: vektis.RecordLayout, key: str) -> vektis.Field:
    fields = layout.field(key)
    if len(fields) != 1:
        raise ValueError(f"record {layout.record_type}: {key!r} is not one field")
    return fields[0]


def _spec(field: vektis.Field) -> str:
    return f"0>{field.length}" if field.type == "N" else f"<{field.length}"


def _constant(field: vektis.Field, value: object) -> str:
    if isinstance(value, dt.date):
        value = date_text(value)
    text = format(value, _spec(field))
    if len(text) != field.length:
        raise ValueError(f"{value!r} does not fit field {field.number} ({field.length} wide)")
    return text
