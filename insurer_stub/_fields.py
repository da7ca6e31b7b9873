"""Reading the semantic fields adjudication needs out of a parsed EI record, once per record.

The codec (``vektis.Record.get``) hands out semantic values; this module turns the few that
adjudication uses into plain typed values (:class:`Line`, :class:`Insured`, :class:`Header`) so
the rules read attributes, never parse strings, and the rules do not depend on how the codec
represents an empty numeric field (zeros, ``0`` or ``None`` all mean "not given").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Header", "Insured", "Line", "RecordLike", "read_header", "read_insured", "read_line"]


class RecordLike(Protocol):
    """What adjudication needs of ``vektis.Record``."""

    @property
    def record_type(self) -> str: ...

    def get(self, key: str) -> object: ...


def text(record: RecordLike, key: str) -> str:
    """The field as trimmed text; an absent field is ``""``."""
    value = record.get(key)
    return "" if value is None else str(value).strip()


def code(record: RecordLike, key: str) -> str:
    """A numeric code (AGB, UZOVI, servicebureau): all zeros means the field was left empty."""
    value = text(record, key)
    return "" if not value.strip("0") else value


def number(record: RecordLike, key: str) -> int:
    value = record.get(key)
    if value is None or value == "":
        return 0
    return value if isinstance(value, int) else int(str(value).strip() or 0)


def day(record: RecordLike, key: str) -> dt.date | None:
    """A date field; ``00000000`` or an impossible date is None (the codec validated it)."""
    value = record.get(key)
    if isinstance(value, dt.date):
        return value
    raw = "" if value is None else str(value).strip()
    if len(raw) != 8 or not raw.strip("0"):
        return None
    try:
        return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        return None


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


def read_header(record: RecordLike) -> Header:
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


def read_insured(record: RecordLike) -> Insured:
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


def read_line(record: RecordLike) -> Line:
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
