"""One format string per record kind and file: the generator's fast path to EI lines.

``vektis.render_file`` checks every record against its layout, which is right for arbitrary
input but costs more than the generator can spend per line (the goal is 50,000 lines a second).
The generator's records all have the same shape within a file, so it compiles the layout once
into a ``str.format`` template: fields constant for the file are written in, the varying ones
become placeholders, the rest are blank as the layout prescribes. Every generated file is
checked with ``vektis.validate`` in the tests, which keeps this fast path honest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import vektis

__all__ = ["LineTemplate", "date_text"]

_DATES: dict[dt.date, str] = {}


def date_text(day: dt.date) -> str:
    """CCYYMMDD, cached: a file has few distinct dates and many lines."""
    text = _DATES.get(day)
    if text is None:
        text = _DATES.setdefault(day, f"{day.year:04d}{day.month:02d}{day.day:02d}")
    return text


class LineTemplate:
    """Render one record type of one standard with a fixed part and ordered varying keys.

    An amount key with a D/C indicator takes two values, in order: the cents without sign and
    the indicator ("D" or "C"). A date key takes its CCYYMMDD text.
    """

    __slots__ = ("_template", "width")

    def __init__(
        self,
        layout: vektis.RecordLayout,
        *,
        fixed: Mapping[str, object],
        varying: Sequence[str],
    ) -> None:
        slots: dict[str, int] = {}
        for key in varying:
            field = _only(layout, key)
            slots[field.number] = len(slots)
            if field.sign and key == field.key:
                slots[field.sign] = len(slots)
        constants = {_only(layout, key).number: value for key, value in fixed.items()}
        parts = []
        for field in layout.fields:
            if field.number in slots:
                parts.append(f"{{{slots[field.number]}:{_spec(field)}}}")
            elif field.number in constants:
                parts.append(_constant(field, constants[field.number]).replace("{", "{{"))
            else:
                parts.append(field.blank.replace("{", "{{"))
        if layout.fields[0].number not in constants:
            parts[0] = layout.record_type
        self._template = "".join(parts)
        self.width = layout.length

    def render(self, *values: object) -> str:
        return self._template.format(*values)


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
