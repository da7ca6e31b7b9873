"""Writing one record from a mapping: one compiled writer per record shape, the only code that
writes record text.

Files repeat a few record shapes (the same keys with values of the same types) thousands of
times, so the first record of a shape compiles its writer. When every value is of a type the
``%`` operator writes exactly (text, an N integer, a date, a signed amount), the writer holds a
%-template in field order (N ``%0nd`` or ``%ns``, AN ``%-ns``, an amount and its D/C indicator
as a pair) and a record costs one ``itemgetter``, one ``%`` and a length and shape check (a
credit then once more with the signed template). Any other value, or a record that check
refuses (N text shorter than its field), is written the careful way, field by field: each
value converted on its own to the exact text of its field(s) (``format(value, "0>n")`` for N,
``"<n"`` for AN, what ``str.format`` wrote before) and the whole line checked against the
layout's shape. A record that still does not fit is never written: the diagnosis finds the
key whose value alone does not fit and raises RenderError naming its field.

The compiled writers live with what they serve, in their standard's ``compiled``, so nothing
is keyed by ``id()``.
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


Exact = Callable[[Mapping[str, object]], str]
# The compiled writer of a record shape: the line of a mapping of that shape, None when it
# does not fit (or, tried on a record of another shape, when the shape is not its own).
Writer = Callable[[Mapping[str, object]], str | None]


def _exact(layout: RecordLayout, keys: tuple[str, ...]) -> Exact:
    """The text of a record of ``keys`` (record_type aside), value by value: each converted on
    its own to the text of its field(s), blanks elsewhere, a later key winning a field written
    twice. Unchecked; raises RenderError for a key the layout lacks or a value no conversion
    takes. The careful tier of every writer, and the diagnosis's single-key writer."""
    blanks = [f.blank for f in layout.fields]
    blanks[0] = layout.record_type
    position = {f.number: i for i, f in enumerate(layout.fields)}
    steps = []
    for key in keys:
        if key != "record_type":
            fields, convert = _targets(layout, key)
            steps.append((key, convert, tuple((position[f.number], _spec(f)) for f in fields)))
    where = f"record {layout.record_type}"

    def write(values: Mapping[str, object]) -> str:
        texts = list(blanks)
        for key, convert, targets in steps:
            for (i, spec), value in zip(targets, convert(values[key]), strict=True):
                try:
                    texts[i] = format(value, spec)
                except (ValueError, TypeError) as exc:
                    raise RenderError(f"{where}: {exc}") from None
        return "".join(texts)

    return write


def _careful(layout: RecordLayout, keys: tuple[str, ...]) -> Writer:
    """``_exact`` with the check of the layout's shape: the line, or None when it does not fit."""
    exact, length, shape = _exact(layout, keys), layout.length, layout.shape.fullmatch

    def write(values: Mapping[str, object]) -> str | None:
        line = exact(values)
        return line if len(line) == length and shape(line) is not None else None

    return write


def _date_field(value: object) -> str:
    """A date field's text as the general path writes it (``0>8``).

    strftime costs more than formatting a whole record, and files repeat a few dates: the
    writers read it through their layout's memo.
    """
    return date_text(value).rjust(8, "0")


_DATE_TYPES = (date, type(None), str)
_PLAN_LIMIT = 512


@dataclass(frozen=True, slots=True, kw_only=True)
class _Slot:
    """One supplied field of a fast plan: which value feeds it and how it is written."""

    field: Field
    key: str
    kind: type  # the exact type of the value, part of the shape
    role: str  # "plain", "date", "amount" or "sign"

    @property
    def checked(self) -> bool:
        """Text in an N field can be other than digits, a negative int is written with a '-'
        (``%05d`` of -1 is ``-0001``; a credit's amount in the debit template), and text for a
        D/C indicator or a record's kenmerk can be other than they allow; everything else is
        written exact."""
        if self.field.type == "N" and (self.kind is str or self.kind is int):
            return True
        return self.role == "plain" and _field_pattern(self.field, strict=False)[0] != "."

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
    """The slots a key fills for a value of type ``kind``; None when ``%`` cannot write it."""
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
    return None  # N text that is too short gets spaces: the check sends it the careful way


def _slots(layout: RecordLayout, keys: tuple[str, ...], types: tuple[type, ...]) -> list[_Slot]:
    """Every supplied field in layout order; empty when some value needs the careful way."""
    slots: list[_Slot] = []
    for key, kind in zip(keys, types, strict=True):
        if key == "record_type":
            continue
        found = _slot(layout, key, kind) if layout.field(key) else None
        if found is None:
            return []
        slots += found
    if len({s.field.number for s in slots}) != len(slots):
        return []  # two keys writing one field: the careful way decides
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


def _compile(layout: RecordLayout, keys: tuple[str, ...], types: tuple[type, ...]) -> Writer:
    """The writer of one record shape: a %-template first when ``%`` can write every value,
    else (and for what the template's check refuses) the careful way, value by value."""
    careful = _careful(layout, keys)  # raises RenderError for a key the layout lacks
    slots = _slots(layout, keys, types)
    if not slots:
        return _guarded(keys, types, careful)
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
        careful=careful,
    )


def _guarded(keys: tuple[str, ...], types: tuple[type, ...], careful: Writer) -> Writer:
    """``careful`` for mappings of this very shape only (it is also tried on other records
    of its record type, which may have a template of their own)."""

    def write(values: Mapping[str, object]) -> str | None:
        if tuple(values) != keys or tuple(map(type, values.values())) != types:
            return None
        return careful(values)

    return write


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
    careful: Writer,
) -> Writer:
    """One record shape: fetch in field order, guard the shape, one ``%``, one check.

    Every directive writes at least its field's width (zero-padded ``%0nd``, padded ``%ns``),
    so any value too long shows in the total length; a negative N integer is written with a
    '-', which the digit check refuses: a credit's amount is then written again with the
    signed template, anything else the careful way. A closure over its parts, so the hot path
    reads locals, not attributes.
    """
    template, signed_template = templates
    length, match = check
    fits = match or len  # no checked field: any line of the right length (len is truthy)

    def retry(values: Mapping[str, object], v: tuple[object, ...]) -> str | None:
        """What the template's check refused: a credit, else the careful way."""
        if signed:
            line = signed_template % signed_values(v)  # a credit: its amount showed a '-'
            if len(line) == length and fits(line):
                return line
        return careful(values)  # e.g. N text shorter than its field: zeros on the left

    one_date = dates[0] if len(dates) == 1 else -1
    in_place = itemgetter(*(len(types) if i == one_date else i for i in range(len(types))))

    def fill(v: tuple[object, ...]) -> tuple[object, ...]:
        texts = list(v)
        for i in dates:
            texts[i] = date_text(texts[i])
        return tuple(texts)

    def write(values: Mapping[str, object]) -> str | None:
        try:
            v = pick(values)
        except KeyError:
            return None
        if len(values) != count or tuple(map(type, v)) != types:
            return None
        if one_date >= 0:  # most records: one date, its text put in place by one itemgetter
            line = template % in_place(v + (date_text(v[one_date]),))  # noqa: RUF005 - faster
        else:
            line = template % (fill(v) if dates else v)
        return line if len(line) == length and fits(line) else retry(values, v)

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
    """The writers of one standard: by full shape, and the latest good one per record type.

    Files repeat one shape per record type for long runs, so trying the latest writer first
    (its own guard refuses other shapes) avoids hashing the keys and types of every record.
    """

    standard: Standard
    by_shape: dict[tuple[object, ...], Writer]
    latest: dict[object, Writer]


def _line_by_shape(plans: _Plans, values: Mapping[str, object]) -> str:
    """One record through the writer of its shape, compiled on first sight."""
    record_type = values.get("record_type")
    layout = plans.standard.records.get(record_type) if type(record_type) is str else None
    if layout is None:
        shown = str(values.get("record_type", ""))
        raise RenderError(f"{plans.standard.name} has no record type {shown!r}")
    shape = (record_type, tuple(values), tuple(map(type, values.values())))
    write = plans.by_shape.get(shape)
    if write is None:
        if len(plans.by_shape) >= _PLAN_LIMIT:
            plans.by_shape.clear()
        write = plans.by_shape[shape] = _compile(layout, shape[1], shape[2])
    line = write(values)
    if line is None:
        raise RenderError(_misfit(layout, values))
    plans.latest[record_type] = write
    return line


def render_line(standard: Standard, values: Mapping[str, object]) -> str:
    """The text of one record; RenderError when a value does not fit its field."""
    render = standard.compiled.get("render") or line_renderer(standard)  # one frame less
    return render(values)  # type: ignore[operator,no-any-return]


def line_renderer(standard: Standard) -> Callable[[Mapping[str, object]], str]:
    """``render_line`` for one standard, made once and kept by the standard: the loop of
    render_file (and of every one-record call).

    The latest writer of each record type is called straight from here (one frame less per
    record, which matters at ~2 µs a record).
    """
    found = standard.compiled.get("render")  # per call: no lambda when known
    if found is None:
        found = keep(standard.compiled, "render", lambda: _renderer(standard))
    return found  # type: ignore[return-value]


def _renderer(standard: Standard) -> Callable[[Mapping[str, object]], str]:
    plans = _Plans(standard=standard, by_shape={}, latest={})
    latest = plans.latest

    def render(values: Mapping[str, object]) -> str:
        try:
            write = latest[values["record_type"]]
        except (KeyError, TypeError):  # none, unknown, or unhashable: _line_by_shape says
            return _line_by_shape(plans, values)
        line = write(values)
        return _line_by_shape(plans, values) if line is None else line

    return render


def _misfit(layout: RecordLayout, values: Mapping[str, object]) -> str:
    """The diagnosis of a record no writer takes: the first key whose value alone does not
    fit, for the error message. It writes nothing, only tries each value on its own."""
    for key, value in values.items():
        if key == "record_type":
            continue
        try:
            alone = _careful(layout, (key,))({key: value})
        except RenderError:
            alone = None
        if alone is None:
            fields = ", ".join(f.number for f in _targets(layout, key)[0])
            return f"record {layout.record_type} field {fields} ({key}): {value!r} does not fit"
    return f"record {layout.record_type}: values do not fit the layout"
