"""Reading the semantic fields adjudication needs out of a parsed EI record, once per record.

The codec (``vektis.Record.get``) hands out semantic values; this module turns the few that
adjudication uses into plain typed values (:class:`Line`, :class:`Insured`, :class:`Header`) so
the rules read attributes, never parse strings, and the rules do not depend on how the codec
represents an empty numeric field (zeros, ``0`` or ``None`` all mean "not given").
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from identifiers import is_ascii_digits
from vektis import Record, RecordLayout

__all__ = [
    "Header",
    "Insured",
    "Line",
    "insured_reader",
    "line_reader",
    "read_header",
    "read_insured",
    "read_line",
]


@dataclass(frozen=True, slots=True)
class _Slot:
    """Where one semantic field sits in the record text, and how to read it."""

    start: int
    end: int
    numeric: bool
    sign: int  # position of the D/C indicator of an amount, -1 for other fields


_SLOTS: dict[int, tuple[RecordLayout, dict[str, _Slot]]] = {}
_DATES: dict[str, dt.date | None] = {}


def _slots(record: Record) -> dict[str, _Slot]:
    return _slots_of(record.layout)


def _slots_of(layout: RecordLayout) -> dict[str, _Slot]:
    """The slots of a layout, worked out once per layout: adjudication reads a dozen fields of
    every line, and slicing the text directly is several times faster than ``get``."""
    cached = _SLOTS.get(id(layout))
    if cached is not None and cached[0] is layout:
        return cached[1]
    slots: dict[str, _Slot] = {}
    for key, fields in layout.by_key.items():
        if len(fields) == 1:
            only = fields[0]
            sign = layout.by_number[only.sign].start if only.sign else -1
            slots[key] = _Slot(only.start, only.end, only.type == "N", sign)
    _SLOTS[id(layout)] = (layout, slots)
    return slots


def text(record: Record, key: str) -> str:
    """The field as trimmed text; a field the standard lacks is ``""``."""
    slot = _slots(record).get(key)
    return "" if slot is None else record.raw[slot.start : slot.end].strip()


def code(record: Record, key: str) -> str:
    """A numeric code (AGB, UZOVI, servicebureau): all zeros means the field was left empty."""
    return _nonzero(text(record, key))


def number(record: Record, key: str) -> int:
    """A count or an amount in cents, negative when its D/C indicator says C."""
    slot = _slots(record).get(key)
    if slot is None or not slot.numeric:
        return 0
    raw = record.raw
    value = int(raw[slot.start : slot.end])
    return -value if slot.sign >= 0 and raw[slot.sign] == "C" else value


def day(record: Record, key: str) -> dt.date | None:
    """A date field; ``00000000`` is None (the codec checked that every date is a real day)."""
    return _date(text(record, key))


def _date(raw: str) -> dt.date | None:
    """Each distinct CCYYMMDD text is parsed once: a file has a few hundred treatment days."""
    try:
        return _DATES[raw]
    except KeyError:
        pass
    value = None
    digits = raw.strip()
    if is_ascii_digits(digits, length=8) and digits.strip("0"):
        with contextlib.suppress(ValueError):
            value = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    if len(_DATES) > 50_000:
        _DATES.clear()
    _DATES[raw] = value
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class Header:
    """The voorlooprecord fields the header rules judge."""

    uzovi: str
    servicebureau: str
    zorgverlenerscode: str
    praktijkcode: str
    instellingscode: str
    factuurnummer: str
    factuurdatum: dt.date | None

    @property
    def declarant(self) -> str:
        """Who declares: the instelling, else the praktijk, else the individual zorgverlener."""
        return self.instellingscode or self.praktijkcode or self.zorgverlenerscode


def read_header(record: Record) -> Header:
    return Header(
        uzovi=code(record, "uzovi"),
        servicebureau=code(record, "servicebureau"),
        zorgverlenerscode=code(record, "zorgverlenerscode"),
        praktijkcode=code(record, "praktijkcode"),
        instellingscode=code(record, "instellingscode"),
        factuurnummer=text(record, "factuurnummer"),
        factuurdatum=day(record, "factuurdatum"),
    )


class Insured(NamedTuple):
    """A verzekerdenrecord (02): who the lines below it are for.

    A NamedTuple rather than a frozen dataclass, like :class:`Line`: one is built per record of
    files of 100,000 lines, and a tuple is built several times faster (docs/PERFORMANCE.md).
    """

    id: int
    bsn: str
    verzekerdennummer: str
    birth_date: dt.date | None
    surname: str
    prefix: str


def read_insured(record: Record) -> Insured:
    return _readers(record.layout).insured(record.raw)


def insured_reader(layout: RecordLayout) -> Callable[[str], Insured]:
    """``read_insured`` for the text of records of ``layout``, looked up once per file."""
    return _readers(layout).insured


class Line(NamedTuple):
    """A prestatierecord (04); ``ingediend`` is signed cents (negative for a credit line).

    Immutable and typed, but a NamedTuple: adjudication builds one per line and a tuple is built
    five times faster than a frozen dataclass, which was a tenth of the adjudication time.
    """

    id: int
    bsn: str
    machtigingsnummer: str
    date_of_service: dt.date | None
    prestatiecodelijst: str
    prestatiecode: str
    tarief: int
    aantal: int
    ingediend: int
    referentie: str
    referentie_voorgaand: str
    end_of_service: dt.date | None = None  # AW319's einddatum prestatie; None for one day
    behandelaar: str = ""  # zorgverlenerscode behandelaar/uitvoerder, "" when not given

    @property
    def is_credit(self) -> bool:
        return self.ingediend < 0


def read_line(record: Record) -> Line:
    return _readers(record.layout).line(record.raw)


def line_reader(layout: RecordLayout) -> Callable[[str], Line]:
    """``read_line`` for the text of records of ``layout``, looked up once per file."""
    return _readers(layout).line


@dataclass(frozen=True, slots=True, kw_only=True)
class _Readers:
    """The compiled readers of one layout: record text in, typed value out, no lookups."""

    line: Callable[[str], Line]
    insured: Callable[[str], Insured]


_READERS: dict[int, tuple[RecordLayout, _Readers]] = {}


def _readers(layout: RecordLayout) -> _Readers:
    """Compiled once per layout (keyed by identity: layouts live as long as the codec)."""
    cached = _READERS.get(id(layout))
    if cached is not None and cached[0] is layout:
        return cached[1]
    slots = _slots_of(layout)
    readers = _Readers(line=_line_reader(slots), insured=_insured_reader(slots))
    _READERS[id(layout)] = (layout, readers)
    return readers


def _span(slots: dict[str, _Slot], key: str) -> tuple[int, int]:
    """Where a field sits; a field the layout lacks reads as the empty slice ``[0:0]``."""
    slot = slots.get(key)
    return (0, 0) if slot is None else (slot.start, slot.end)


def _sign(slots: dict[str, _Slot], key: str) -> int:
    slot = slots.get(key)
    return -1 if slot is None else slot.sign


def _line_reader(slots: dict[str, _Slot]) -> Callable[[str], Line]:
    """Slices the fields a line rule reads; an empty numeric field reads as 0."""
    i0, i1 = _span(slots, "id")
    b0, b1 = _span(slots, "bsn")
    m0, m1 = _span(slots, "machtigingsnummer")
    d0, d1 = _span(slots, "date_of_service")
    l0, l1 = _span(slots, "prestatiecodelijst")
    c0, c1 = _span(slots, "prestatiecode")
    t0, t1, tsign = *_span(slots, "tarief"), _sign(slots, "tarief")
    a0, a1 = _span(slots, "aantal")
    g0, g1, gsign = *_span(slots, "declaratiebedrag"), _sign(slots, "declaratiebedrag")
    r0, r1 = _span(slots, "referentie")
    v0, v1 = _span(slots, "referentie_voorgaand")
    e0, e1 = _span(slots, "end_date_of_service")
    h0, h1 = _span(slots, "behandelaar")

    dates = _DATES  # cleared in place when full, never replaced

    def read(raw: str) -> Line:
        tarief = int(raw[t0:t1] or 0)
        ingediend = int(raw[g0:g1] or 0)
        day = raw[d0:d1]
        try:  # _date's own cache, without the call
            service = dates[day]
        except KeyError:
            service = _date(day)
        return Line(
            int(raw[i0:i1] or 0),
            raw[b0:b1].strip(),
            raw[m0:m1].strip(),
            service,
            raw[l0:l1].strip(),
            raw[c0:c1].strip(),
            -tarief if tsign >= 0 and raw[tsign] == "C" else tarief,
            max(int(raw[a0:a1] or 0), 1),
            -ingediend if gsign >= 0 and raw[gsign] == "C" else ingediend,
            raw[r0:r1].strip(),
            raw[v0:v1].strip(),
            _date(raw[e0:e1]) if e1 else None,
            _nonzero(raw[h0:h1].strip()),
        )

    return read


def _nonzero(value: str) -> str:
    """A numeric code field: all zeros (or blank) means "not given"."""
    return value if value.strip("0") else ""


def _insured_reader(slots: dict[str, _Slot]) -> Callable[[str], Insured]:
    i0, i1 = _span(slots, "id")
    b0, b1 = _span(slots, "bsn")
    n0, n1 = _span(slots, "verzekerdennummer")
    d0, d1 = _span(slots, "birth_date")
    s0, s1 = _span(slots, "surname")
    p0, p1 = _span(slots, "prefix")

    def read(raw: str) -> Insured:
        return Insured(
            int(raw[i0:i1] or 0),
            raw[b0:b1].strip(),
            raw[n0:n1].strip(),
            _date(raw[d0:d1]),
            raw[s0:s1].strip(),
            raw[p0:p1].strip(),
        )

    return read
