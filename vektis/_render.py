"""Rendering one record from a mapping, compiled per (layout, set of keys) for speed.

The first record with a given set of keys compiles a format string with one placeholder per
supplied field (N ``0>n``: zeros on the left; AN ``<n``: spaces on the right); later records
with the same keys reuse it, so rendering is one ``str.format`` call plus a shape check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from vektis._errors import RenderError
from vektis._layout import Field, Kind, RecordLayout, Standard
from vektis._values import date_text, signed

__all__ = ["render_line"]

Converter = Callable[[object], tuple[object, ...]]


def _plain(value: object) -> tuple[object, ...]:
    return (value,)


def _date(value: object) -> tuple[object, ...]:
    return (date_text(value),)


def _signed(value: object) -> tuple[object, ...]:
    return signed(value)


def _codes(value: object) -> tuple[object, ...]:
    if isinstance(value, str):
        codes: tuple[object, ...] = (value,)
    elif isinstance(value, tuple | list):
        codes = tuple(value)
    else:
        raise RenderError(f"retourcodes are a tuple of codes, not {value!r}")
    if len(codes) > 3:
        raise RenderError(f"at most three retourcodes fit a record, not {codes!r}")
    return (*codes, "", "", "")[:3]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Plan:
    template: str
    steps: tuple[tuple[str, Converter], ...]
    layout: RecordLayout


def _spec(field: Field) -> str:
    return f"0>{field.length}" if field.type == "N" else f"<{field.length}"


def _targets(layout: RecordLayout, key: str) -> tuple[tuple[Field, ...], Converter]:
    """The fields a key writes and how its value is converted for them."""
    fields = layout.field(key)
    if not fields:
        raise RenderError(f"record {layout.record_type} has no field {key!r}")
    if len(fields) > 1:
        return fields, _codes
    only = fields[0]
    if only.kind is Kind.AMOUNT and only.sign and key == only.key:
        return (only, layout.by_number[only.sign]), _signed
    return fields, _date if only.kind is Kind.DATE else _plain


def _compile(layout: RecordLayout, keys: tuple[str, ...]) -> _Plan:
    slots: dict[str, int] = {}
    steps: list[tuple[str, Converter]] = []
    for key in keys:
        fields, convert = _targets(layout, key)
        for f in fields:
            slots[f.number] = len(slots)
        steps.append((key, convert))
    parts = []
    for f in layout.fields:
        index = slots.get(f.number)
        parts.append(f.blank if index is None else f"{{{index}:{_spec(f)}}}")
    if layout.fields[0].number not in slots:
        parts[0] = layout.record_type
    return _Plan(template="".join(parts), steps=tuple(steps), layout=layout)


_PLANS: dict[tuple[int, str, tuple[str, ...]], _Plan] = {}


def render_line(standard: Standard, values: Mapping[str, object]) -> str:
    """The text of one record; RenderError when a value does not fit its field."""
    record_type = str(values.get("record_type", ""))
    layout = standard.records.get(record_type)
    if layout is None:
        raise RenderError(f"{standard.name} has no record type {record_type!r}")
    keys = tuple(k for k in values if k != "record_type")
    plan_key = (id(layout), record_type, keys)
    plan = _PLANS.get(plan_key) or _PLANS.setdefault(plan_key, _compile(layout, keys))
    args: list[object] = []
    for key, convert in plan.steps:
        args.extend(convert(values[key]))
    try:
        line = plan.template.format(*args)
    except (ValueError, TypeError) as exc:
        raise RenderError(f"record {record_type}: {exc}") from None
    if len(line) != layout.length or layout.shape.fullmatch(line) is None:
        raise RenderError(_misfit(layout, line, values))
    return line


def _misfit(layout: RecordLayout, line: str, values: Mapping[str, object]) -> str:
    """Name the first key whose value alone does not fit, for the error message."""
    for key, value in values.items():
        if key == "record_type":
            continue
        plan = _compile(layout, (key,))
        try:
            alone = plan.template.format(*plan.steps[0][1](value))
        except (ValueError, TypeError):
            alone = ""
        if len(alone) != layout.length or layout.shape.fullmatch(alone) is None:
            fields = ", ".join(f.number for f in _targets(layout, key)[0])
            return f"record {layout.record_type} field {fields} ({key}): {value!r} does not fit"
    return f"record {layout.record_type}: values do not fit the layout ({len(line)} positions)"
