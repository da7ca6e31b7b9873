"""Rendering one record from a mapping: a fast plan per record shape, a precise slow path.

Files repeat a few record shapes (the same keys with values of the same types) thousands of
times, so the first record of a shape compiles one %-template in field order (N ``%0nd`` or
``%ns``, AN ``%-ns``, an amount and its D/C indicator as a pair); later records cost one
``itemgetter``, one ``%`` and a length and digit check. A record the fast plan cannot write
exactly (a value too long, not digits, of another type) takes the general path: one
``str.format`` per record with value-by-value conversion, which raises RenderError naming the
field. Both paths write the same text for every value the fast one accepts.

The compiled plans live with what they serve: a shape's writer in its standard's
``compiled``, a key set's general plan in its layout's, so nothing is keyed by ``id()``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Any

from vektis._errors import RenderError
from vektis._layout import Field, Kind, RecordLayout, Standard, _field_pattern, keep
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


def _plan(layout: RecordLayout, keys: tuple[str, ...]) -> _Plan:
    """The general plan of a key set, kept by the layout (bounded: keys come from callers)."""
    return keep(
        layout.compiled,
        ("plan", keys),
        lambda: _compile(layout, tuple(k for k in keys if k != "record_type")),
    )


def _date_field(value: object) -> str:
    """A date field's text as the general path writes it (``0>8``).

    strftime costs more than formatting a whole record, and files repeat a few dates: the
    writers read it through their layout's memo.
    """
    return date_text(value).rjust(8, "0")


_DATE_TYPES = (date, type(None), str)
_PLAN_LIMIT = 512

# A compiled record shape: the line of a mapping of that shape, or None (take the slow path).
FastLine = Callable[[Mapping[str, object]], "str | None"] | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Slot:
    """One supplied field of a fast plan: which value feeds it and how it is written."""

    field: Field
    key: str
    kind: type  # the exact type of the value, part of the shape
    role: str  # "plain", "date", "amount" or "sign"

    @property
    def checked(self) -> bool:
        """Text in an N field can be other than digits, and a negative int is written with a
        '-' (``%05d`` of -1 is ``-0001``; a credit's amount in the debit template); everything
        else is written exact."""
        return self.field.type == "N" and (self.kind is str or self.kind is int)

    def directive(self, *, signed: bool) -> str:
        """What ``%`` writes for this field, the same text as ``str.format`` with ``_spec``.

        Without ``signed`` the plan writes debits only: the amount as it is and a literal D.
        """
        if self.role == "sign":
            return "%s" if signed else "D"
        n = self.field.length
        if self.kind is int:  # N only (see _slot); >= 0 is checked, so %0nd writes digits
            return f"%0{n}d"
        return f"%{n}s" if self.field.type == "N" else f"%-{n}s"

    def value(self, value: Any, *, signed: bool) -> object:
        """What ``%`` gets for this field from the key's value."""
        if self.role == "date":
            return _date_field(value)
        if self.role == "sign":
            return "C" if value < 0 else "D"
        return abs(value) if signed and self.role == "amount" else value


def _slot(layout: RecordLayout, key: str, kind: type) -> list[_Slot] | None:
    """The slots a key fills for a value of type ``kind``; None when only the slow path can."""
    fields, convert = _targets(layout, key)
    first = fields[0]
    if convert is _signed and kind is int:
        return [
            _Slot(field=first, key=key, kind=kind, role="amount"),
            _Slot(field=fields[1], key=key, kind=kind, role="sign"),
        ]
    if convert is _date and kind in _DATE_TYPES and first.type == "N":
        return [_Slot(field=first, key=key, kind=kind, role="date")]
    if convert is _plain and (kind is str or (kind is int and first.type == "N")):
        return [_Slot(field=first, key=key, kind=kind, role="plain")]
    return None  # N text that is too short gets spaces: the check sends it the slow way


def _slots(layout: RecordLayout, keys: tuple[str, ...], types: tuple[type, ...]) -> list[_Slot]:
    """Every supplied field in layout order; empty when some value needs the slow path."""
    slots: list[_Slot] = []
    for key, kind in zip(keys, types, strict=True):
        if key == "record_type":
            continue
        found = _slot(layout, key, kind) if layout.field(key) else None
        if found is None:
            return []
        slots += found
    if len({s.field.number for s in slots}) != len(slots):
        return []  # two keys writing one field: the slow path decides
    return sorted(slots, key=lambda s: s.field.start)


def _check(layout: RecordLayout, checked: set[str]) -> re.Pattern[str]:
    """The shape pattern of the checked fields, adjacent runs merged (``[0-9]{25}``, ``.{30}``).

    Only the checked fields can hold a wrong character; the length is checked first, so there
    is no tail.
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


def _picker(indexes: list[int]) -> Callable[[tuple[object, ...]], tuple[Any, ...]] | None:
    """The values at ``indexes`` as a tuple (``itemgetter`` of one index gives the item)."""
    if not indexes:
        return None
    return itemgetter(*indexes, indexes[0])


def _fast_plan(layout: RecordLayout, keys: tuple[str, ...], types: tuple[type, ...]) -> FastLine:
    """The compiled writer of one record shape, or None when its values need the slow path."""
    slots = _slots(layout, keys, types)
    if not slots:
        return None
    fetched = list(dict.fromkeys(s.key for s in slots))
    index = {key: i for i, key in enumerate(fetched)}
    kinds = {s.key: s.kind for s in slots}
    checked = {s.field.number for s in slots if s.checked}
    in_order = tuple((s, index[s.key]) for s in slots)
    return _writer(
        pick=_picker_of_keys(fetched),
        types=tuple(kinds[key] for key in fetched),
        count=len(keys),
        signed=any(s.role == "amount" for s in slots),
        dates=tuple(index[s.key] for s in slots if s.role == "date"),
        templates=(_template(layout, slots, signed=False), _template(layout, slots, signed=True)),
        signed_values=lambda v: tuple(slot.value(v[i], signed=True) for slot, i in in_order),
        date_text=layout.memo(_date_field),
        check=(layout.length, _check(layout, checked).match if checked else None),
    )


def _writer(
    *,
    pick: Callable[[Mapping[str, object]], tuple[object, ...]],
    types: tuple[type, ...],
    count: int,
    signed: bool,
    dates: tuple[int, ...],
    templates: tuple[str, str],
    signed_values: Callable[[tuple[object, ...]], tuple[object, ...]],
    date_text: Callable[[object], str],
    check: tuple[int, Callable[[str], object] | None],
) -> Callable[[Mapping[str, object]], str | None]:
    """One record shape: fetch in field order, guard the shape, one ``%``, one check.

    Every directive writes at least its field's width (zero-padded ``%0nd``, padded ``%ns``),
    so any value too long shows in the total length; a negative N integer is written with a
    '-', which the digit check refuses: a credit's amount is then written again with the
    signed template, anything else goes the slow way. A closure over its parts, so the hot
    path reads locals, not attributes.
    """
    template, signed_template = templates
    length, match = check
    one_date = dates[0] if len(dates) == 1 else -1
    in_place = itemgetter(*(len(types) if i == one_date else i for i in range(len(types))))

    def write(values: Mapping[str, object]) -> str | None:
        try:
            v = pick(values)
        except KeyError:
            return None
        if len(values) != count or tuple(map(type, v)) != types:
            return None
        line: str
        if one_date >= 0:  # most records: one date, its text put in place by one itemgetter
            line = template % in_place(v + (date_text(v[one_date]),))  # noqa: RUF005 - faster
        elif dates:
            texts = list(v)
            for i in dates:
                texts[i] = date_text(texts[i])
            line = template % tuple(texts)
        else:
            line = template % v
        if len(line) == length and (match is None or match(line)):
            return line
        if not signed:
            return None
        line = signed_template % signed_values(v)  # a credit: its amount showed a '-'
        return line if len(line) == length and (match is None or match(line)) else None

    return write


def _picker_of_keys(keys: list[str]) -> Callable[[Mapping[str, object]], tuple[object, ...]]:
    """The values of ``keys`` as a tuple, in C (``itemgetter`` of one key gives the value)."""
    if len(keys) > 1:
        return itemgetter(*keys)
    only = itemgetter(keys[0])
    return lambda values: (only(values),)


def _template(layout: RecordLayout, slots: list[_Slot], *, signed: bool) -> str:
    """The %-template of a record: a directive per supplied field, the blank text elsewhere."""
    supplied = {s.field.number: s.directive(signed=signed) for s in slots}
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


def _plans_of(standard: Standard) -> _Plans:
    """The fast plans of a standard, kept by the standard itself."""
    found = standard.compiled.get("plans")  # per render_file call: no lambda when known
    if found is None:
        found = keep(
            standard.compiled, "plans", lambda: _Plans(standard=standard, by_shape={}, latest={})
        )
    return found  # type: ignore[return-value]


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
    """``render_line`` for one standard with its plans looked up once: render_file's loop.

    The latest plan of each record type is called straight from here (one frame less per
    record than ``_line``, which matters at ~2 µs a record).
    """
    plans = _plans_of(standard)
    latest = plans.latest

    def render(values: Mapping[str, object]) -> str:
        try:
            fast = latest[values.get("record_type")]
        except (KeyError, TypeError):  # TypeError: an unhashable record_type
            return _line_by_shape(plans, values)
        line = fast(values)  # type: ignore[misc]  # latest holds compiled plans only
        return _line_by_shape(plans, values) if line is None else line

    return render


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
