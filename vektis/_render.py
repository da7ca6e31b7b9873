"""Rendering one record from a mapping: a fast plan per record shape, a precise slow path.

Files repeat a few record shapes (the same keys with values of the same types) thousands of
times, so the first record of a shape compiles one %-template in field order (N ``%0nd`` or
``%ns``, AN ``%-ns``, an amount and its D/C indicator as a pair); later records cost one
``itemgetter``, one ``%`` and a length and digit check. A record the fast plan cannot write
exactly (a value too long, not digits, of another type) takes the general path: one
``str.format`` per record with value-by-value conversion, which raises RenderError naming the
field. Both paths write the same text for every value the fast one accepts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from operator import itemgetter

from vektis._errors import RenderError
from vektis._layout import Field, Kind, RecordLayout, Standard, _field_pattern
from vektis._values import date_text, signed

__all__ = ["line_renderer", "render_line"]

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


_PLANS: dict[tuple[int, tuple[str, ...]], _Plan] = {}


def _plan(layout: RecordLayout, keys: tuple[str, ...]) -> _Plan:
    plan_key = (id(layout), keys)
    plan = _PLANS.get(plan_key)
    if plan is None:
        plan = _PLANS[plan_key] = _compile(layout, tuple(k for k in keys if k != "record_type"))
    return plan


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


_NONE = type(None)
_DATE_TYPES = (date, _NONE, str)
_PLAN_LIMIT = 512
_CHECKED = ("plain", "date")  # amounts and indicators are written by the plan: always digits, D/C

# A compiled record shape: the line of a mapping of that shape, or None (take the slow path).
FastLine = Callable[[Mapping[str, object]], "str | None"] | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Slot:
    """One supplied field of a fast plan: which value feeds it and how it is written."""

    field: Field
    source: int  # index among the mapping's keys, record_type left out
    directive: str
    role: str  # "plain", "date", "amount" or "sign"


def _plain_directive(field: Field, kind: type) -> str | None:
    """%-directives that write exactly what ``str.format`` with ``_spec`` writes, or None."""
    if kind is int and field.type == "N":
        return f"%0{field.length}d"
    if kind is str:  # N text that is too short gets spaces: the check sends it the slow way
        return f"%{field.length}s" if field.type == "N" else f"%-{field.length}s"
    return None


def _slot(layout: RecordLayout, key: str, source: int, kind: type) -> list[_Slot] | None:
    """The slots a key fills for a value of type ``kind``; None when only the slow path can."""
    fields, convert = _targets(layout, key)
    first = fields[0]
    if convert is _signed and kind is int:
        amount = _Slot(field=first, source=source, directive=f"%0{first.length}d", role="amount")
        return [amount, _Slot(field=fields[1], source=source, directive="%s", role="sign")]
    if convert is _date and kind in _DATE_TYPES:
        return [_Slot(field=first, source=source, directive=f"%{first.length}s", role="date")]
    directive = _plain_directive(first, kind) if convert is _plain else None
    if directive is None:
        return None
    return [_Slot(field=first, source=source, directive=directive, role="plain")]


def _slots(layout: RecordLayout, keys: tuple[str, ...], types: tuple[type, ...]) -> list[_Slot]:
    """Every supplied field in layout order; empty when some value needs the slow path."""
    slots: list[_Slot] = []
    given = [(k, t) for k, t in zip(keys, types, strict=True) if k != "record_type"]
    for source, (key, kind) in enumerate(given):
        found = _slot(layout, key, source, kind) if layout.field(key) else None
        if found is None:
            return []
        slots += found
    if len({s.field.number for s in slots}) != len(slots):
        return []  # two keys writing one field: the slow path decides
    return sorted(slots, key=lambda s: s.field.start)


def _check(layout: RecordLayout, checked: set[str]) -> re.Pattern[str]:
    """The shape pattern of the checked fields, adjacent runs merged (``[0-9]{25}``, ``.{30}``).

    Blanks, AN text, and the amounts and indicators the plan itself writes cannot be wrong, so
    they are skipped; the length is checked first, so there is no tail.
    """
    runs: list[list[object]] = []
    for f in layout.fields:
        fragment = _field_pattern(f, strict=False) if f.number in checked else f".{{{f.length}}}"
        kind = "[0-9]" if fragment.startswith("[0-9]") else "." if fragment[0] == "." else ""
        if kind and runs and runs[-1][0] == kind:
            runs[-1][1] += f.length  # type: ignore[operator]
        else:
            runs.append([kind, f.length] if kind else [fragment, 0])
    parts = [f"{kind}{{{n}}}" if n else str(kind) for kind, n in runs]
    return re.compile("".join(parts[:-1] if runs[-1][0] == "." else parts), re.DOTALL)


# Each role's value as a Python expression over ``v`` (the plan's values as a tuple). Dates
# come from the CCYYMMDD cache; an amount is written unsigned with its D/C indicator.
_EXPRESSIONS = {
    "plain": "v[{0}]",
    "date": "(date_text(v[{0}]) or date_cached(v[{0}]))",
    "amount": "abs(v[{0}])",
    "sign": "('C' if v[{0}] < 0 else 'D')",
}
_SOURCE = """def fast_line(values):
    try:
        v = pick(values){single}
    except KeyError:
        return None
    if len(values) != {count} or tuple(map(type, v)) != types:
        return None
    line = template % ({args})
    return line if len(line) == {length} and match(line) else None
"""


def _fast_plan(layout: RecordLayout, keys: tuple[str, ...], types: tuple[type, ...]) -> FastLine:
    """One function for one record shape: a single %-template in field order, then the checks.

    Generated (as ``dataclasses`` does) so the hot path has no per-field calls or loops: fetch
    by one ``itemgetter``, compare the key count and value types with the shape, one ``%``,
    check length and digits. Only integers and fixed names go into the source.
    """
    slots = _slots(layout, keys, types)
    if not slots:
        return None
    fetched = tuple(k for k in keys if k != "record_type")
    source = _SOURCE.format(
        single="," if len(fetched) == 1 else "",
        count=len(keys),
        args="".join(_EXPRESSIONS[s.role].format(s.source) + ", " for s in slots),
        length=layout.length,
    )
    namespace: dict[str, object] = {
        "pick": itemgetter(*fetched),
        "types": tuple(t for k, t in zip(keys, types, strict=True) if k != "record_type"),
        "template": _template(layout, slots),
        "match": _check(layout, {s.field.number for s in slots if s.role in _CHECKED}).match,
        "date_text": _DATE_TEXT.get,
        "date_cached": _date_cached,
    }
    exec(source, namespace)  # noqa: S102 - the source holds only integers and fixed names
    return namespace["fast_line"]  # type: ignore[return-value]


def _template(layout: RecordLayout, slots: list[_Slot]) -> str:
    """The %-template of a record: a directive per supplied field, the blank text elsewhere."""
    supplied = {s.field.number: s.directive for s in slots}
    parts = [supplied.get(f.number) or f.blank.replace("%", "%%") for f in layout.fields]
    if layout.fields[0].number not in supplied:
        parts[0] = layout.record_type
    return "".join(parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Plans:
    """The fast plans of one standard: by full shape, and the latest good one per record type.

    Files repeat one shape per record type for long runs, so trying the latest plan first
    (its own checks refuse other shapes) avoids hashing the keys and types of every record.
    """

    standard: Standard
    by_shape: dict[tuple[object, ...], FastLine]
    latest: dict[object, FastLine]


_FAST_PLANS: dict[int, _Plans] = {}


def _plans_of(standard: Standard) -> _Plans:
    """The plans of a standard; the entry keeps the standard alive so its id stays unique."""
    plans = _FAST_PLANS.get(id(standard))
    if plans is None or plans.standard is not standard:
        plans = _FAST_PLANS[id(standard)] = _Plans(standard=standard, by_shape={}, latest={})
    return plans


def _line(plans: _Plans, values: Mapping[str, object]) -> str:
    """One record: the latest plan of its record type, else its shape's, else the general path."""
    try:
        fast = plans.latest[values.get("record_type")]
    except (KeyError, TypeError):  # TypeError: an unhashable record_type
        fast = None
    line = None if fast is None else fast(values)
    return _line_by_shape(plans, values) if line is None else line


def _line_by_shape(plans: _Plans, values: Mapping[str, object]) -> str:
    record_type = values.get("record_type")
    if type(record_type) is not str or record_type not in plans.standard.records:
        return _render_general(plans.standard, values)
    shape = (record_type, tuple(values), tuple(map(type, values.values())))
    if shape not in plans.by_shape:
        if len(plans.by_shape) >= _PLAN_LIMIT:
            plans.by_shape.clear()
        layout = plans.standard.records[record_type]
        plans.by_shape[shape] = _fast_plan(layout, shape[1], shape[2])
    fast = plans.by_shape[shape]
    line = None if fast is None else fast(values)
    if line is None:
        return _render_general(plans.standard, values)
    plans.latest[record_type] = fast
    return line


def render_line(standard: Standard, values: Mapping[str, object]) -> str:
    """The text of one record; RenderError when a value does not fit its field."""
    return _line(_plans_of(standard), values)


def line_renderer(standard: Standard) -> Callable[[Mapping[str, object]], str]:
    """``render_line`` for one standard with its plans looked up once: render_file's loop."""
    return partial(_line, _plans_of(standard))


def _render_general(standard: Standard, values: Mapping[str, object]) -> str:
    """Any mapping, value by value through ``str.format``; exact about what does not fit."""
    record_type = str(values.get("record_type", ""))
    layout = standard.records.get(record_type)
    if layout is None:
        raise RenderError(f"{standard.name} has no record type {record_type!r}")
    return _render_slow(layout, _plan(layout, tuple(values)), values)


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
