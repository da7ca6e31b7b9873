"""The voorlooprecord (01) as the exchange routes it and the insurer judges it.

One value for what both read: the standard, the UZOVI, the parties' codes and the invoice.
The codes of the parties are identifiers that the voorlooprecord leaves at zeros when a party
is not given (a dentist without an instelling writes INSTELLINGSCODE 00000000), so a code of
zeros reads as "" here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from vektis._codec import Record, iter_records
from vektis._layout import Standard, detect_standard, standard_for_header

__all__ = ["Header"]

# The identifiers among the voorlooprecord's fields: 0108 to 0112.
_CODES = ("uzovi", "servicebureau", "zorgverlenerscode", "praktijkcode", "instellingscode")
_KEYS = (*_CODES, "factuurnummer", "factuurdatum")


@dataclass(frozen=True, slots=True, kw_only=True)
class Header:
    """The voorlooprecord's routing and invoice fields; "" for a code that is not given."""

    standard: Standard = field(repr=False)
    uzovi: str
    servicebureau: str
    zorgverlenerscode: str
    praktijkcode: str
    instellingscode: str
    factuurnummer: str
    factuurdatum: date | None

    @property
    def declarant(self) -> str:
        """Who declares: the instelling, else the praktijk, else the individual zorgverlener."""
        return self.instellingscode or self.praktijkcode or self.zorgverlenerscode

    @classmethod
    def of(cls, record: Record) -> Header:
        """The header of a parsed voorlooprecord."""
        values = record.layout.reader(*_KEYS, zeros_empty=_CODES, trim=True)(record.raw)
        fields = dict(zip(_KEYS, values, strict=True))
        return cls(standard=standard_for_header(record.raw), **fields)

    @classmethod
    def read(cls, data: bytes) -> Header:
        """The header in the first line of ``data``; FormatError (or UnknownStandardError)
        when that line is not a well-formed voorlooprecord of a supported standard."""
        line = data.partition(b"\n")[0].rstrip(b"\r")
        standard = detect_standard(line)
        return cls.of(next(iter_records(line + b"\r\n", standard)))
