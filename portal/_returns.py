"""A return file (retourbericht, xx302) line by line, for reading on a page. Pure.

Each record becomes one line: its number and type, the person (BSN), the prestatie, the
amounts declared and awarded, and every retourcode with its COD954 text. A clean file comes
back as the voorlooprecord (8001) and the sluitrecord only, and shows exactly that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import vektis

__all__ = ["ReturnLine", "read_return"]

RECORD_NAMES = {
    "01": "Voorlooprecord",
    "02": "Verzekerdenrecord",
    "03": "Debiteurrecord",
    "04": "Prestatierecord",
    "98": "Commentaarrecord",
    "99": "Sluitrecord",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Remark:
    code: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnLine:
    number: int
    record_type: str
    name: str
    bsn: str = ""
    prestatie: str = ""
    date: dt.date | None = None
    declared: int | None = None  # cents
    awarded: int | None = None  # cents
    remarks: tuple[Remark, ...] = ()


def _value(record: vektis.Record, key: str) -> object:
    return record.get(key) if record.layout.field(key) else None


def _text(record: vektis.Record, key: str) -> str:
    value = _value(record, key)
    return "" if value is None else str(value).strip()


def _amount(record: vektis.Record, *keys: str) -> int | None:
    for key in keys:
        value = _value(record, key)
        if isinstance(value, int):
            return value
    return None


def _remarks(record: vektis.Record) -> tuple[Remark, ...]:
    codes = _value(record, "retourcodes")
    if not isinstance(codes, tuple):
        return ()
    found = (vektis.retourcode(c) for c in codes)
    return tuple(
        Remark(code=c, text=f.meaning if f else "onbekende retourcode")
        for c, f in zip(codes, found, strict=True)
    )


def _line(record: vektis.Record) -> ReturnLine:
    when = _value(record, "date_of_service")
    return ReturnLine(
        number=record.number,
        record_type=record.record_type,
        name=RECORD_NAMES.get(record.record_type, f"Record {record.record_type}"),
        bsn=_text(record, "bsn"),
        prestatie=_text(record, "prestatiecode"),
        date=when if isinstance(when, dt.date) else None,
        declared=_amount(record, "declaratiebedrag", "totaal_declaratiebedrag"),
        awarded=_amount(record, "toegekend_bedrag", "totaal_toegekend"),
        remarks=_remarks(record),
    )


def read_return(data: bytes) -> list[ReturnLine]:
    """Every record of ``data``; raises ``vektis.VektisError`` when it is no EI file."""
    return [_line(record) for record in vektis.iter_records(data)]
