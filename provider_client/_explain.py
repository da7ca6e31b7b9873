"""Read an EI file field by field, and sum up a return file: pure, offline, no exchange needed.

``explain`` is for the person staring at a fixed-width line wondering which position is the
BSN: it walks every line leniently (a broken file is exactly when one needs it) and names each
field by the layout's number and name. ``summarise_return`` is what ``submit --wait`` shows:
per prestatie line the retourcodes with their meaning and the awarded (toegekend) amount, and
the totals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import vektis

__all__ = [
    "Explanation",
    "FieldView",
    "RecordView",
    "ReturnLine",
    "ReturnSummary",
    "describe_code",
    "euros",
    "explain",
    "summarise_return",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldView:
    number: str  # the layout's field number, e.g. "0403"
    name: str  # the layout's field name, e.g. "BURGERSERVICENUMMER (BSN) VERZEKERDE"
    text: str  # the raw positions, padding stripped
    value: str  # what it means: a date, an amount in euros, a retourcode with its meaning


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordView:
    number: int  # 1-based line number
    record_type: str
    fields: tuple[FieldView, ...]
    note: str = ""  # why a line could not be laid out (unknown record type)


@dataclass(frozen=True, slots=True, kw_only=True)
class Explanation:
    standard: str
    description: str
    is_return: bool
    records: tuple[RecordView, ...]
    findings: tuple[vektis.Finding, ...] = ()


def describe_code(code: str) -> str:
    """``"0320 Verzekerde niet ..."``: a retourcode is only useful with its meaning next to it."""
    known = vektis.retourcode(code)
    return f"{code} {known.meaning}" if known else f"{code} (not in the COD954 list)"


def euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def explain(data: bytes, *, show_empty: bool = False) -> Explanation:
    """Every line with its fields; raises vektis.UnknownStandardError when the header is unusable.

    Technical findings (``vektis.validate``) come along for declarations, so a wrong field
    is named with its retourcode next to the field table.
    """
    standard = vektis.detect_standard(data)
    # The validator's own line splitting, so explain's line numbers are the findings' numbers
    # (str.splitlines would also break at \x0b, \x0c, \x1c-\x1e or \x85 inside a field).
    lines = [text for text, _ending in vektis.iter_lines(data)]
    records = tuple(
        _record_view(standard, n, line, show_empty) for n, line in enumerate(lines, start=1)
    )
    findings = () if standard.is_return else tuple(vektis.validate(data))
    return Explanation(
        standard=standard.name,
        description=standard.description,
        is_return=standard.is_return,
        records=records,
        findings=findings,
    )


def _record_view(standard: vektis.Standard, number: int, line: str, show_empty: bool) -> RecordView:
    layout = standard.records.get(line[:2])
    if layout is None:
        note = f"record type {line[:2]!r} is not part of {standard.name}"
        return RecordView(number=number, record_type=line[:2], fields=(), note=note)
    views = tuple(
        FieldView(
            number=seen.field.number,
            name=seen.field.name,
            text=seen.text.strip(),
            value=_meaning(seen),
        )
        for seen in layout.inspect(line)
        if show_empty or seen.text != seen.field.blank
    )
    return RecordView(number=number, record_type=layout.record_type, fields=views)


def _meaning(seen: vektis.Inspected) -> str:
    """The value as a person reads it; the raw text when it does not decode (a broken field)."""
    kind, value = seen.field.kind, seen.value
    if seen.field.name.startswith("RETOURCODE") and seen.text.strip(" 0"):
        return describe_code(seen.text.strip())
    if kind is vektis.Kind.DATE:
        if seen.problem:
            return seen.text  # as it stands, padding and all
        return value.isoformat() if isinstance(value, dt.date) else ""
    if kind is vektis.Kind.AMOUNT and isinstance(value, int):
        return euros(value)
    return seen.text.strip()


# --- return files -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnLine:
    """A detail record of a return: a prestatie (04), or a verzekerde (02) the insurer
    remarked on (0320 "not insured" sits on the 02 record, not on its prestaties)."""

    record: int
    record_type: str
    bsn: str
    prestatiecode: str  # "" for a verzekerde record
    date_of_service: dt.date | None
    declared: int | None  # cents, signed; None for a verzekerde record
    awarded: int | None  # cents, signed; None when the insurer left it empty
    codes: tuple[str, ...]  # retourcodes, each with its meaning (describe_code)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnSummary:
    standard: str
    header_codes: tuple[str, ...]
    lines: tuple[ReturnLine, ...]
    total_declared: int
    total_awarded: int | None

    def to_json(self) -> dict[str, object]:
        return {
            "standard": self.standard,
            "header_codes": list(self.header_codes),
            "lines": [_line_json(line) for line in self.lines],
            "total_declared": self.total_declared,
            "total_granted": self.total_awarded,  # the JSON keys predate the glossary
        }


def summarise_return(data: bytes) -> ReturnSummary:
    """The verzekerde (02) and prestatie (04) lines of a return file, and its totals.

    Raises vektis.FormatError when the file is broken.
    """
    parsed = vektis.parse_file(data)
    lines = tuple(_return_line(r) for r in parsed.details if r.record_type in ("02", "04"))
    closing = parsed.closing
    awarded = closing.get("totaal_toegekend") if closing.layout.field("totaal_toegekend") else None
    return ReturnSummary(
        standard=parsed.standard.name,
        header_codes=_codes(parsed.header),
        lines=lines,
        total_declared=closing.get_int("totaal_declaratiebedrag"),
        total_awarded=awarded if isinstance(awarded, int) else None,
    )


def _return_line(record: vektis.Record) -> ReturnLine:
    if record.record_type == "02":
        return ReturnLine(
            record=record.number,
            record_type="02",
            bsn=record.get_str("bsn"),
            prestatiecode="",
            date_of_service=None,
            declared=None,
            awarded=None,
            codes=_codes(record),
        )
    awarded = record.get("toegekend_bedrag") if record.layout.field("toegekend_bedrag") else None
    return ReturnLine(
        record=record.number,
        record_type="04",
        bsn=record.get_str("bsn"),
        prestatiecode=record.get_str("prestatiecode"),
        date_of_service=record.get_date("date_of_service"),
        declared=record.get_int("declaratiebedrag"),
        awarded=awarded if isinstance(awarded, int) else None,
        codes=_codes(record),
    )


def _codes(record: vektis.Record) -> tuple[str, ...]:
    if not record.layout.field("retourcodes"):
        return ()
    found = record.get("retourcodes")
    codes = found if isinstance(found, tuple) else (found,)
    return tuple(describe_code(str(c)) for c in codes if c and str(c).strip("0"))


def _line_json(line: ReturnLine) -> dict[str, object]:
    return {
        "record": line.record,
        "record_type": line.record_type,
        "bsn": line.bsn,
        "prestatiecode": line.prestatiecode,
        "date_of_service": line.date_of_service.isoformat() if line.date_of_service else None,
        "declared": line.declared,
        "granted": line.awarded,
        "retourcodes": list(line.codes),
    }
