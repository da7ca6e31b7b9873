"""Reading the semantic fields adjudication needs out of a parsed EI record, once per record.

The codec (``vektis.Record.get``) hands out semantic values; this module turns the few that
adjudication uses into plain typed values (:class:`Line`, :class:`Insured`, :class:`Header`) so
the rules read attributes, never parse strings, and the rules do not depend on how the codec
represents an empty numeric field (zeros, ``0`` or ``None`` all mean "not given").
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

from vektis import Record, RecordLayout

__all__ = ["Header", "Insured", "Line", "read_header", "read_insured", "read_line"]


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
    """The slots of a record's layout, worked out once per layout: adjudication reads a dozen
    fields of every line, and slicing the text directly is several times faster than ``get``."""
    layout = record.layout
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
    value = text(record, key)
    return "" if not value.strip("0") else value


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
    raw = text(record, key)
    try:
        return _DATES[raw]
    except KeyError:
        pass
    value = None
    if len(raw) == 8 and raw.isdigit() and raw.strip("0"):
        with contextlib.suppress(ValueError):
            value = dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
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


@dataclass(frozen=True, slots=True, kw_only=True)
class Insured:
    """A verzekerdenrecord (02): who the lines below it are for."""

    id: int
    bsn: str
    verzekerdennummer: str
    birth_date: dt.date | None
    surname: str
    prefix: str


def read_insured(record: Record) -> Insured:
    return Insured(
        id=number(record, "id"),
        bsn=text(record, "bsn"),
        verzekerdennummer=text(record, "verzekerdennummer"),
        birth_date=day(record, "birth_date"),
        surname=text(record, "surname"),
        prefix=text(record, "prefix"),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """A prestatierecord (04); ``ingediend`` is signed cents (negative for a credit line)."""

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

    @property
    def is_credit(self) -> bool:
        return self.ingediend < 0


def read_line(record: Record) -> Line:
    return Line(
        id=number(record, "id"),
        bsn=text(record, "bsn"),
        machtigingsnummer=text(record, "machtigingsnummer"),
        date_of_service=day(record, "date_of_service"),
        prestatiecodelijst=text(record, "prestatiecodelijst"),
        prestatiecode=text(record, "prestatiecode"),
        tarief=number(record, "tarief"),
        aantal=max(number(record, "aantal"), 1),
        ingediend=number(record, "declaratiebedrag"),
        referentie=text(record, "referentie"),
        referentie_voorgaand=text(record, "referentie_voorgaand"),
    )
