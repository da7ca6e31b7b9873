"""Rendering one record from a mapping, compiled per (layout, set of keys) for speed.

The first record with a given set of keys compiles a format string with one placeholder per
supplied field (N ``0>n``: zeros on the left; AN ``<n``: spaces on the right); later records
with the same keys reuse it, so rendering is one ``str.format`` call plus a shape check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import itemgetter

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


@dataclass(frozen=True, slots=True, kw_only=True)
class _FastPlan:
    """The common case in one ``str.format``: plain values fetched by one itemgetter (dates
    formatted by their spec), then each signed amount as digits and indicator."""

    template: str
    plain: Callable[[Mapping[str, object]], tuple[object, ...]]
    dates: tuple[str, ...]
    signed: tuple[str, ...]


def _fast(layout: RecordLayout, keys: tuple[str, ...]) -> _FastPlan | None:
    kinds = {k: _targets(layout, k)[1] for k in keys}
    plain = [k for k in keys if kinds[k] is _plain]
    dates = tuple(k for k in keys if kinds[k] is _date)
    signed_keys = tuple(k for k in keys if kinds[k] is _signed)
    if len(plain) + len(dates) + len(signed_keys) != len(keys) or not plain:
        return None
    slots: dict[str, str] = {}
    for index, key in enumerate(plain):
        f = _targets(layout, key)[0][0]
        slots[f.number] = f"{{{index}:{_spec(f)}}}"
    for index, key in enumerate(dates, start=len(plain)):
        slots[_targets(layout, key)[0][0].number] = f"{{{index}}}"
    base = len(plain) + len(dates)
    for offset, key in enumerate(signed_keys):
        amount, sign = _targets(layout, key)[0]
        slots[amount.number] = f"{{{base + 2 * offset}:0>{amount.length}}}"
        slots[sign.number] = f"{{{base + 2 * offset + 1}}}"
    parts = [slots.get(f.number, f.blank) for f in layout.fields]
    if layout.fields[0].number not in slots:
        parts[0] = layout.record_type
    getter = itemgetter(*plain)
    fetch = getter if len(plain) > 1 else lambda values: (getter(values),)
    return _FastPlan(template="".join(parts), plain=fetch, dates=dates, signed=signed_keys)


_DATE_TEXT: dict[object, str] = {}


def _date_cached(value: object) -> str:
    """CCYYMMDD of a date, cached: strftime costs more than formatting a whole record."""
    text = _DATE_TEXT.get(value)
    if text is None:
        text = date_text(value)
        if len(_DATE_TEXT) > 20_000:
            _DATE_TEXT.clear()
        _DATE_TEXT[value] = text
    return text


_PLANS: dict[tuple[int, tuple[str, ...]], tuple[_Plan, _FastPlan | None]] = {}


def _plans(layout: RecordLayout, keys: tuple[str, ...]) -> tuple[_Plan, _FastPlan | None]:
    plan_key = (id(layout), keys)
    plans = _PLANS.get(plan_key)
    if plans is None:
        fields_only = tuple(k for k in keys if k != "record_type")
        plans = _PLANS[plan_key] = (_compile(layout, fields_only), _fast(layout, fields_only))
    return plans


def render_line(standard: Standard, values: Mapping[str, object]) -> str:
    """The text of one record; RenderError when a value does not fit its field."""
    record_type = str(values.get("record_type", ""))
    layout = standard.records.get(record_type)
    if layout is None:
        raise RenderError(f"{standard.name} has no record type {record_type!r}")
    plan, fast = _plans(layout, tuple(values))
    if fast is not None:
        try:
            extra: list[object] = [_date_cached(values[key]) for key in fast.dates]
            for key in fast.signed:
                amount = values[key]
                extra += (abs(amount), "C" if amount < 0 else "D")  # type: ignore[operator,arg-type]
            line = fast.template.format(*fast.plain(values), *extra)
            if len(line) == layout.length and layout.shape.fullmatch(line) is not None:
                return line
        except (ValueError, TypeError):
            pass  # e.g. a date given as None: the general path below converts it
    return _render_slow(layout, plan, values)


def _render_slow(layout: RecordLayout, plan: _Plan, values: Mapping[str, object]) -> str:
    args: list[object] = []
    for key, convert in plan.steps:
        args.extend(convert(values[key]))
    try:
        line = plan.template.format(*args)
    except (ValueError, TypeError) as exc:
        raise RenderError(f"record {layout.record_type}: {exc}") from None
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
