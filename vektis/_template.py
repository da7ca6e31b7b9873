"""Record templates: one record type as constant text with a few %-slots, for generators.

A generator writes the same record type hundreds of thousands of times with most fields
constant for the file and the rest repeating per person or per prestatiecode. A template is the
record rendered once with the constant fields, with %-slots cut in where the varying fields go;
each slot fills a *span*, a run of consecutive fields whose text the generator makes once (by
``span``) and reuses. All field text comes from the codec's own writer (``render_line``), so a
template writes exactly what ``render_file`` writes; only the joining is a ``%``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from vektis._errors import RenderError
from vektis._layout import Field, Standard
from vektis._render import render_line

__all__ = ["SpanTemplate"]


class SpanTemplate:
    """One record type of one standard as constant text with a few %-slots.

    Constants and blanks inside a span's range belong to the span. A span of one numeric field
    takes an ``int`` (``%0Nd``); one alphanumeric field takes a ``str``, padded or cut to width;
    a longer span takes the text :meth:`span` made for it. Amount fields with a D/C indicator
    take signed cents.
    """

    __slots__ = (
        "_by_number",
        "_fields",
        "_fixed",
        "_ranges",
        "_record_type",
        "_standard",
        "template",
    )

    def __init__(
        self,
        standard: Standard,
        record_type: str,
        *,
        fixed: Mapping[str, object],
        spans: Mapping[str, Sequence[str]],
        slots: Mapping[str, str] | None = None,
    ) -> None:
        """``slots`` overrides the %-conversion of a span, e.g. a constant prefix and ``%010d``."""
        layout = standard.records[record_type]
        self._standard, self._record_type, self._fields = standard, record_type, layout.fields
        self._by_number = layout.by_number
        self._fixed = {_only(standard, record_type, k).number: v for k, v in fixed.items()}
        self._ranges = {name: self._range_of(keys) for name, keys in spans.items()}
        _check_disjoint(record_type, self._ranges)
        self.template = self._compile(slots or {})

    def _compile(self, slots: Mapping[str, str]) -> str:
        constants = self._line(self._fixed)
        starts = {first: (name, last) for name, (first, last) in self._ranges.items()}
        parts, index = [self._record_type], 1  # the record type is always written in
        while index < len(self._fields):
            if index in starts:
                name, last = starts[index]
                parts.append(slots.get(name) or self._slot(index, last))
                index = last + 1
                continue
            field = self._fields[index]
            parts.append(constants[field.start : field.end].replace("%", "%%"))
            index += 1
        return "".join(parts)

    def _slot(self, first: int, last: int) -> str:
        field = self._fields[first]
        if first != last or field.sign:
            return "%s"
        n = field.length
        return f"%0{n}d" if field.type == "N" else f"%-{n}.{n}s"

    def span(self, name: str, values: Mapping[str, object]) -> str:
        """The text of span ``name``; fields not in ``values`` are fixed or blank."""
        first, last = self._ranges[name]
        record: dict[str, object] = {"record_type": self._record_type}
        for field in self._fields[first : last + 1]:
            value = values.get(field.key, values.get(field.number)) if field.key else None
            if value is None:
                value = values.get(field.number, self._fixed.get(field.number))
            if value is not None:
                record[_written_as(field)] = value
        line = render_line(self._standard, record)
        return line[self._fields[first].start : self._fields[last].end]

    def _line(self, values: Mapping[str, object]) -> str:
        """The record with ``values`` (by field number) and blanks elsewhere."""
        record: dict[str, object] = {"record_type": self._record_type}
        for number, value in values.items():
            record[_written_as(self._by_number[number])] = value
        return render_line(self._standard, record)

    def render(self, *values: object) -> str:
        return self.template % values

    def _range_of(self, keys: Sequence[str]) -> tuple[int, int]:
        positions = {f.number: i for i, f in enumerate(self._fields)}
        indexes = []
        for key in keys:
            field = _only(self._standard, self._record_type, key)
            indexes.append(positions[field.number])
            if field.sign:
                indexes.append(positions[field.sign])
        return min(indexes), max(indexes)


def _written_as(field: Field) -> str:
    """An amount with a D/C indicator goes in by its key (signed cents), anything else by its
    field number (the value as it is)."""
    return field.key if field.sign and field.key else field.number


def _check_disjoint(record_type: str, ranges: Mapping[str, tuple[int, int]]) -> None:
    ordered = sorted(ranges.items(), key=lambda item: item[1])
    for (a, (_, a_last)), (b, (b_first, _)) in itertools.pairwise(ordered):
        if b_first <= a_last:
            raise RenderError(f"record {record_type}: spans {a!r} and {b!r} overlap")


def _only(standard: Standard, record_type: str, key: str) -> Field:
    fields = standard.records[record_type].field(key)
    if len(fields) != 1:
        raise RenderError(f"record {record_type}: {key!r} is not one field")
    return fields[0]
