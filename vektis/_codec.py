"""One codec for every EI standard: bytes to typed records and records back to bytes.

Parsing streams line by line (memory does not grow with the file) and is strict: anything that
is not a well-formed record raises FormatError naming record, field and retourcode. Validation
(``vektis.validate``) is the lenient twin that reports every problem instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from vektis._errors import FormatError, RenderError, UnknownFieldError
from vektis._layout import RecordLayout, Standard, standard_for_header
from vektis._lines import CRLF, EOF, Source, iter_lines
from vektis._render import line_renderer
from vektis._values import dates_ok, decode, field_problems

__all__ = ["EIFile", "Record", "iter_records", "parse_file", "render_file"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """One record: its 1-based line number, type ("04") and text; values decoded on access."""

    number: int
    record_type: str
    raw: str = field(repr=False)
    layout: RecordLayout = field(repr=False, compare=False)

    def get(self, key: str) -> object:
        """The value behind a semantic key ("bsn") or a field number ("0403").

        A semantic amount key gives signed cents (its D/C indicator folded in); the field
        number of an amount gives the bare digits. ``retourcodes`` gives the codes present.
        """
        fields = self.layout.field(key)
        if len(fields) > 1:
            return tuple(c for f in fields if (c := self.raw[f.start : f.end].strip(" ")))
        value: object = self.layout.reader(key).first(self.raw)  # raises for an unknown key
        return value

    def get_str(self, key: str) -> str:
        """``get`` for text and code fields."""
        return str(self.get(key))

    def get_int(self, key: str) -> int:
        """``get`` for numbers and amounts (signed cents for a semantic amount key)."""
        value = self.get(key)
        if not isinstance(value, int):
            raise UnknownFieldError(f"field {key!r} of record {self.record_type} is not a number")
        return value

    def get_date(self, key: str) -> date | None:
        """``get`` for date fields; None when the date is empty (00000000)."""
        value = self.get(key)
        if value is not None and not isinstance(value, date):
            raise UnknownFieldError(f"field {key!r} of record {self.record_type} is not a date")
        return value

    def values(self) -> dict[str, object]:
        """Every semantic key of the record with its typed value."""
        return {key: self.get(key) for key in self.layout.by_key}

    def fields(self) -> dict[str, object]:
        """Every field by number with its own typed value: renders back to the same text."""
        return {f.number: decode(f, self.raw) for f in self.layout.fields}


@dataclass(frozen=True, slots=True, kw_only=True)
class EIFile:
    """A parsed EI file: the standard, the voorlooprecord, the detail records, the sluitrecord."""

    standard: Standard
    header: Record
    details: tuple[Record, ...]
    closing: Record
    final_crlf: bool = True

    def records(self) -> Iterator[Record]:
        yield self.header
        yield from self.details
        yield self.closing


def _fail(number: int, record_type: str, code: str, message: str, field: str = "") -> FormatError:
    return FormatError(message, record=number, record_type=record_type, field=field, code=code)


def _record(standard: Standard, number: int, text: str) -> Record:
    """Check one line strictly against its layout and wrap it."""
    record_type = text[:2]
    layout = standard.records.get(record_type)
    if layout is None:
        raise _fail(
            number,
            record_type,
            "0002",
            f"record type {record_type!r} is not in {standard.name}",
            "",
        )
    if len(text) != layout.length:
        raise _fail(
            number,
            record_type,
            "0804",
            f"record is {len(text)} positions, {standard.name} needs {layout.length}",
        )
    if layout.pattern.fullmatch(text) is None or not dates_ok(layout, text):
        problems = field_problems(layout.fields, text) or [(layout.fields[0], "0001", "bad")]
        bad, code, why = problems[0]
        raise _fail(number, record_type, code, why, bad.number)
    return Record(number=number, record_type=record_type, raw=text, layout=layout)


def iter_records(source: Source, standard: Standard | None = None) -> Iterator[Record]:
    """Stream the records of ``source`` (bytes or a binary stream), strictly checked.

    The standard comes from the voorlooprecord unless given. Raises FormatError (or its
    subclass UnknownStandardError) at the first problem; never anything else.
    """
    pending: tuple[int, str] | None = None
    for number, (text, ending) in enumerate(iter_lines(source), start=1):
        if pending is not None:
            raise _fail(*pending, "8095", "record without a following CR LF")
        if ending not in (CRLF, EOF) or "\r" in text:
            raise _fail(number, text[:2], "8095", "CR/LF misuse: a line must end in CR LF")
        if standard is None:
            standard = standard_for_header(text) if text[:2] == "01" else None
            if standard is None:
                raise _fail(
                    number,
                    text[:2],
                    "8026",
                    "the first record must be a voorlooprecord (01)",
                    "0101",
                )
        yield _record(standard, number, text)
        if ending == EOF:
            pending = (number, text[:2])


def parse_file(data: bytes) -> EIFile:
    """Parse a whole EI file; the structure must be 01, details, 99 (else FormatError 8026)."""
    records = list(iter_records(data))
    if not records:
        raise _fail(0, "", "0002", "the file is empty")
    header, closing = records[0], records[-1]
    misplaced = [r for r in records[1:-1] if r.record_type in ("01", "99")]
    if closing.record_type != "99" or len(records) < 2 or misplaced:
        where = misplaced[0] if misplaced else closing
        raise _fail(
            where.number,
            where.record_type,
            "8026",
            "a file is one voorlooprecord, detail records and one sluitrecord, in that order",
        )
    return EIFile(
        standard=standard_for_header(header.raw),
        header=header,
        details=tuple(records[1:-1]),
        closing=closing,
        final_crlf=bytes(data[-2:]) == b"\r\n",
    )


def render_file(
    standard: Standard,
    records: Iterable[Mapping[str, object] | Record],
    *,
    final_crlf: bool = True,
) -> bytes:
    """Write records (mappings by semantic key or field number, or parsed Records) as bytes.

    Each mapping names its ``record_type``; fields left out are blank (zeros, spaces, D).
    Records are joined with CR LF; ``final_crlf`` also ends the last one with it.
    """
    render = line_renderer(standard)
    lines = [r.raw if isinstance(r, Record) else render(r) for r in records]
    if final_crlf and lines:
        lines.append("")  # the final CR LF without copying the whole text once more
    text = "\r\n".join(lines)
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError as exc:
        raise RenderError(
            f"text outside latin-1 cannot be written: {exc.object[exc.start]!r}"
        ) from None
