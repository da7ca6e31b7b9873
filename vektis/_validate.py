"""Technical validation of an EI file: every problem, each as a Finding with its retourcode.

Streams the input line by line (memory does not grow with the file) and never raises. A line
that matches its layout's compiled pattern costs one regex call plus a few look-ups; only a
line that fails is examined field by field to say exactly what is wrong.
"""

from __future__ import annotations

from identifiers import is_ascii_digits, is_valid_bsn
from vektis._errors import UnknownStandardError
from vektis._findings import Finding
from vektis._layout import RecordLayout, Standard, memo, standard_for_header
from vektis._lines import CRLF, EOF, Source, iter_lines
from vektis._structure import Structure
from vektis._values import dates_ok, field_problems

__all__ = ["validate"]

# "if patient has no BSN: 9x9" - the placeholder is accepted although it fails the 11-proef.
_NO_BSN = "999999999"


def _bsn_ok(bsn: str) -> bool:
    return bsn == _NO_BSN or is_valid_bsn(bsn)


class _Run:
    """The state of one validation: the standard, the structure checker, the findings."""

    def __init__(self, standard: Standard, header: str) -> None:
        self.standard = standard
        self.bsn_ok = memo(standard.compiled, _bsn_ok, limit=100_000)  # BSNs repeat per line
        self.records = standard.records  # looked up per line: no property or proxy hops
        self.is_return = standard.is_return
        self.findings: list[Finding] = []
        self.structure = Structure(standard, header, self.findings)
        self.parent_bsn = ""
        btw_id = standard.records["01"].by_key.get("btw_id")
        self.btw_plichtig = bool(btw_id and header[btw_id[0].start : btw_id[0].end].strip())
        # Where each record type keeps its BSN and D/C indicators, sliced once per file.
        self.spans = {
            t: (_span(layout, "bsn"), tuple(f.start for f in layout.signs))
            for t, layout in standard.records.items()
        }
        prestatie = standard.records.get("04")
        self.amount_spans = tuple(
            _span(prestatie, key)
            for key in ("berekend_bedrag", "declaratiebedrag", "btw_percentage")
        )

    def add(self, number: int, record_type: str, field: str, code: str, message: str) -> None:
        self.findings.append(
            Finding(record=number, record_type=record_type, field=field, code=code, message=message)
        )

    def line(self, number: int, text: str, ending: str) -> None:
        """Check one line: terminator, length, type, fields, then its place in the file."""
        record_type = text[:2]
        if ending not in (CRLF, EOF) or "\r" in text or not text:
            # 8095: "CR/LF zonder voorafgaand record of record zonder aansluitend CR/LF is
            # niet toegestaan"
            self.add(
                number,
                record_type,
                "",
                "8095",
                "CR/LF misuse: every record ends in CR LF, with no bare CR, bare LF or empty line",
            )
            if not text:
                return
        layout = self.records.get(record_type)
        if layout is None:
            # 0002: "Kenmerk record ontbreekt of is onjuist."
            self.add(
                number,
                record_type,
                "",
                "0002",
                f"record type {record_type!r} does not exist in {self.standard.name}",
            )
            return
        if len(text) != layout.length:
            # 0804: "Lengte record is onjuist."
            self.add(
                number,
                record_type,
                "",
                "0804",
                f"record is {len(text)} positions, {self.standard.name} needs {layout.length}",
            )
            self.structure.place(number, record_type, None, False)
            return
        fields_ok = self._fields(number, layout, text)
        self._semantics(number, layout, text)
        self.structure.place(number, record_type, text, fields_ok)

    def _fields(self, number: int, layout: RecordLayout, text: str) -> bool:
        if layout.pattern.fullmatch(text) is not None and dates_ok(layout, text):
            return True
        for field, code, why in field_problems(layout.fields, text):
            self.add(number, layout.record_type, field.number, code, why)
        return False

    def _semantics(self, number: int, layout: RecordLayout, text: str) -> None:
        """Rules across fields of one record: BSN, amounts and BTW, D/C agreement."""
        record_type = layout.record_type
        bsn, signs = self.spans[record_type]
        if bsn is not None:
            self._bsn(number, record_type, bsn[2], text[bsn[0] : bsn[1]])
        if self.is_return:
            # The rule binds the declarant's amounts; an insurer's return legitimately totals
            # ingediend as credit and toegekend as debet (a refused credit, a paid correction).
            return
        if record_type == "04":
            self._amounts(number, text)
        if len(signs) < 2:
            return
        found = {text[i] for i in signs}
        if len(found) > 1 and found <= {"D", "C"}:
            # 8064: "Indicaties Debet/Credit mogen niet verschillend zijn binnen een record."
            self.add(
                number,
                record_type,
                layout.signs[-1].number,
                "8064",
                "the debet/credit indicators of this record differ",
            )

    def _amounts(self, number: int, text: str) -> None:
        """The declared amount against the computed one, and BTW against the declarant."""
        berekend, declared, btw = self.amount_spans
        if berekend and declared:
            computed, charged = text[berekend[0] : berekend[1]], text[declared[0] : declared[1]]
            if computed != charged and _number(charged) > _number(computed) >= 0:
                # 8063: "Berekend bedrag mag niet lager zijn dan gedeclareerd bedrag."
                self.add(
                    number,
                    "04",
                    declared[2],
                    "8063",
                    f"declaratiebedrag {int(charged)} is more than berekend bedrag {int(computed)}",
                )
        if btw is None or self.btw_plichtig:
            return
        rate = text[btw[0] : btw[1]]
        if rate.strip("0") and is_ascii_digits(rate):
            # 8016 "BTW-percentage declaratiebedrag is onjuist": "Conditie: verplicht invullen
            # als over de desbetreffende prestatie BTW geheven wordt", and the header's
            # BTW-IDENTIFICATIENUMMER (0118) is "verplicht vullen als de zorgverlener
            # BTW-plichtig is ... Anders niet vullen": no number, no BTW on the care.
            self.add(
                number,
                "04",
                btw[2],
                "8016",
                f"BTW {int(rate) / 100:g} % on care of a declarant without BTW-identificatienummer",
            )

    def _bsn(self, number: int, record_type: str, field: str, bsn: str) -> None:
        # 0435: "Burgerservicenummer (BSN) verzekerde ontbreekt of is onjuist." - the BSN must
        # pass the 11-proef, and a prestatierecord repeats the BSN of its verzekerdenrecord.
        if not self.bsn_ok(bsn):
            self.add(number, record_type, field, "0435", f"BSN {bsn!r} fails the 11-proef")
        elif record_type == "02":
            self.parent_bsn = bsn
        elif self.parent_bsn and bsn != self.parent_bsn:
            self.add(
                number,
                record_type,
                field,
                "0435",
                f"BSN {bsn} differs from the verzekerdenrecord's {self.parent_bsn}",
            )


Span = tuple[int, int, str]  # start, end, field number


def _span(layout: RecordLayout | None, key: str) -> Span | None:
    """Where the field behind ``key`` stands, sliced once per file rather than per line."""
    fields = layout.by_key.get(key) if layout is not None else None
    return (fields[0].start, fields[0].end, fields[0].number) if fields else None


def _number(text: str) -> int:
    """The amount in ``text``; -1 when it is no number (its format is reported already)."""
    return int(text) if is_ascii_digits(text) else -1


def _start(number: int, text: str) -> tuple[Standard | None, list[Finding]]:
    """Detect the standard from the first line, or say why that is impossible."""
    if text[:2] != "01":
        # 8026 "Volgorde recordtypen is niet correct": the voorlooprecord comes first.
        return None, [
            Finding(
                record=number,
                record_type=text[:2],
                field="0101",
                code="8026",
                message="the first record must be the voorlooprecord (01)",
            )
        ]
    try:
        return standard_for_header(text), []
    except UnknownStandardError as exc:
        return None, [
            Finding(
                record=number, record_type="01", field=exc.field, code=exc.code, message=exc.detail
            )
        ]


def validate(data: Source) -> list[Finding]:
    """Every technical problem of an EI file (bytes or a binary stream); [] when it is clean.

    Never raises for any input: an unreadable header is itself a finding.
    """
    run: _Run | None = None
    count = 0
    for count, (text, ending) in enumerate(iter_lines(data), start=1):
        if run is None:
            standard, problems = _start(count, text)
            if standard is None:
                return problems
            run = _Run(standard, text)
        run.line(count, text, ending)
    if run is None:
        return [
            Finding(
                record=0,
                record_type="",
                field="0101",
                code="0002",
                message="the file is empty: no voorlooprecord",
            )
        ]
    run.structure.finish(count + 1)
    return _distinct(run.findings)


def _distinct(findings: list[Finding]) -> list[Finding]:
    """One finding per (record, field, code): a field rule and a record rule may both fire."""
    seen: set[tuple[int, str, str]] = set()
    kept = []
    for f in findings:
        if (f.record, f.field, f.code) not in seen:
            seen.add((f.record, f.field, f.code))
            kept.append(f)
    return kept
