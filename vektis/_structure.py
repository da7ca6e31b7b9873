"""File-level rules: header contents, record order, detail numbering, sluitrecord totals."""

from __future__ import annotations

from datetime import date

from vektis._findings import Finding
from vektis._layout import Standard
from vektis._values import parse_date

__all__ = ["Structure"]

# Hierarchy "01 (1..1) -> 02 (1..n) -> 98 (0..n) -> 04 (1..n) -> 98 (0..n) ... -> 99 (1..1)",
# with an optional debiteurrecord 03 after its verzekerdenrecord. Which type may follow which:
_FOLLOWS: dict[str, frozenset[str]] = {
    "02": frozenset({"01", "02", "03", "04", "98"}),
    "03": frozenset({"02", "98"}),
    "04": frozenset({"02", "03", "04", "98"}),
    "98": frozenset({"02", "03", "04", "98"}),
    "99": frozenset({"01", "02", "03", "04", "98"}),
}
_COUNTED = {
    "02": "aantal_verzekerden",
    "03": "aantal_debiteuren",
    "04": "aantal_prestaties",
    "98": "aantal_commentaar",
}
# COD954 codes of the sluitrecord counts: 0151 verzekerden, 0157 debiteuren, 0158 prestaties,
# 0153 commentaar, 0156 totaal aantal detailrecords.
_COUNT_CODES = {
    "aantal_verzekerden": "0151",
    "aantal_debiteuren": "0157",
    "aantal_prestaties": "0158",
    "aantal_commentaar": "0153",
    "aantal_detail": "0156",
}
_PAYEE_FIELDS = {"01": (30, 38), "02": (38, 46), "03": (46, 54), "04": (54, 62)}


class Structure:
    """Follows the records in order and reports what only the whole file can show."""

    def __init__(self, standard: Standard, header: str, findings: list[Finding]) -> None:
        self.standard = standard
        self.findings = findings
        self.to_insurer = header[26:30] not in ("0000", "")
        self.last = ""
        self.group_has_04 = True
        self.last_id = 0
        self.counts = dict.fromkeys(_COUNT_CODES, 0)
        self.total = 0
        self.total_known = True
        self.closed = False

    def add(self, number: int, record_type: str, field: str, code: str, message: str) -> None:
        self.findings.append(
            Finding(record=number, record_type=record_type, field=field, code=code, message=message)
        )

    def place(self, number: int, record_type: str, text: str | None, readable: bool) -> None:
        """Account for one record; ``text`` is None when it has the wrong length, and
        ``readable`` False when some field could not be read (its values are not used)."""
        self._order(number, record_type)
        self.last = record_type
        if record_type in _COUNTED:
            self.counts[_COUNTED[record_type]] += 1
        if record_type == "01" and text is not None:
            self._header(number, text)  # guards each value itself
        elif text is None or not readable:
            self.total_known &= record_type != "04"
            self.last_id += record_type in ("02", "03", "04")
        elif record_type == "99":
            self._closing(number, text)
        else:
            self._detail(number, record_type, text)

    def _order(self, number: int, record_type: str) -> None:
        # 8026: "Volgorde recordtypen is niet correct."
        allowed = _FOLLOWS.get(record_type, frozenset())
        wrong = self.closed or (self.last != "" and self.last not in allowed)
        wrong |= record_type == "01" and self.last != ""
        if record_type in ("02", "99") and not self.standard.is_return:
            wrong |= not self.group_has_04 or (self.last == "01" and record_type == "99")
        if wrong:
            self.add(
                number,
                record_type,
                "",
                "8026",
                f"record type {record_type} may not follow {self.last or 'the start of the file'}",
            )
        if record_type == "02":
            self.group_has_04 = False
        elif record_type == "04":
            self.group_has_04 = True
        self.closed |= record_type == "99"

    def _detail(self, number: int, record_type: str, text: str) -> None:
        if record_type == "03" and self.to_insurer:
            # 8075: "Recordtype 03 (Debiteurrecord) niet toegestaan bij bestandsuitwisseling
            # naar zorgverzekeraar."
            self.add(number, "03", "0301", "8075", "a debiteurrecord may not go to an insurer")
        self._identification(number, record_type, int(text[2:14]))
        if record_type == "04":
            self._amount(text)

    def _identification(self, number: int, record_type: str, ident: int) -> None:
        # 0801: "Detailrecords in het heenbericht hebben een volgnummer beginnend bij 1 en
        # oplopend met 1. Het commentaarrecord heeft hetzelfde nummer als dat van het
        # bijbehorende detailrecord." Return records inherit theirs, so only order is checked.
        if record_type == "98":
            expected_ok = ident == self.last_id
        elif self.standard.is_return:
            expected_ok = ident > self.last_id
        else:
            expected_ok = ident == self.last_id + 1
        if not expected_ok:
            self.add(
                number,
                record_type,
                f"{record_type}02",
                "0801",
                f"identificatie detailrecord {ident} breaks the sequence after {self.last_id}",
            )
        if record_type != "98":
            self.last_id = ident if ident > self.last_id else self.last_id + 1

    def _amount(self, text: str) -> None:
        layout = self.standard.records["04"]
        fields = layout.by_key.get("declaratiebedrag")
        if not fields:
            self.total_known = False
            return
        f = fields[0]
        sign = layout.by_number[f.sign].start if f.sign else -1
        value = int(text[f.start : f.end])
        self.total += -value if sign >= 0 and text[sign] == "C" else value

    def _header(self, number: int, text: str) -> None:
        soort = text[9]
        if soort not in ("P", "T"):
            # 8028: "Soort bericht ontbreekt of is onjuist." COD856: P productie, T test.
            self.add(number, "01", "0105", "8028", f"soort bericht {soort!r} is neither P nor T")
        self._payee(number, text[62:64], text)
        if text[114:117] != "EUR":
            # 0031: "Valutacode ontbreekt of is onjuist." COD363 (ISO 4217): EUR.
            self.add(number, "01", "0119", "0031", f"valuta {text[114:117]!r} is not EUR")
        self._period(number, text)

    def _payee(self, number: int, payee: str, text: str) -> None:
        # 8029: "Identificatiecode betaling aan ontbreekt of is onjuist." COD833: 01
        # servicebureau, 02 zorgverlener, 03 praktijk, 04 instelling; "De verwijzing betreft
        # de rubrieken 0109 t/m 0112": the field it points at must hold an AGB code.
        span = _PAYEE_FIELDS.get(payee)
        if span is None:
            self.add(number, "01", "0113", "8029", f"betaling aan {payee!r} is not 01-04")
        elif not text[span[0] : span[1]].strip("0"):
            self.add(
                number,
                "01",
                "0113",
                "8029",
                f"betaling aan {payee} points at an empty code (field 01{9 + int(payee):02d})",
            )

    def _period(self, number: int, text: str) -> None:
        begin, end, invoiced = (_day(text[a:b]) for a, b in ((64, 72), (72, 80), (92, 100)))
        if begin and end and end < begin:
            # 0021: "... Ook: einddatum declaratieperiode ligt voor begindatum
            # declaratieperiode."
            self.add(
                number, "01", "0115", "0021", f"einddatum {end} lies before begindatum {begin}"
            )
        if end and invoiced and invoiced < end:
            # 0025 "Dagtekening factuur ontbreekt of is niet bestaand": the invoice date is
            # ">= einddatum declaratieperiode".
            self.add(
                number,
                "01",
                "0117",
                "0025",
                f"dagtekening factuur {invoiced} lies before einddatum {end}",
            )

    def _closing(self, number: int, text: str) -> None:
        layout = self.standard.records["99"]
        self.counts["aantal_detail"] = sum(self.counts[k] for k in _COUNTED.values())
        for key, code in _COUNT_CODES.items():
            fields = layout.by_key.get(key)
            if fields and int(text[fields[0].start : fields[0].end]) != self.counts[key]:
                # 0151/0153/0156/0157/0158: "Aantal ... ontbreekt of is onjuist."
                self.add(
                    number,
                    "99",
                    fields[0].number,
                    code,
                    f"{key.replace('_', ' ')} says "
                    f"{int(text[fields[0].start : fields[0].end])}, the file has "
                    f"{self.counts[key]}",
                )
        if not self.standard.is_return and self.total_known:
            self._total(number, text)

    def _total(self, number: int, text: str) -> None:
        layout = self.standard.records["99"]
        f = layout.by_key["totaal_declaratiebedrag"][0]
        value = int(text[f.start : f.end])
        if text[layout.by_number[f.sign].start] == "C":
            value = -value
        if value != self.total:
            # 0150: "Totaal declaratiebedrag ontbreekt of is onjuist." It is the sum of the
            # declaratiebedragen of all prestatierecords, debet minus credit.
            self.add(
                number,
                "99",
                f.number,
                "0150",
                f"totaal declaratiebedrag {value} is not "
                f"the sum of the prestatierecords, {self.total}",
            )

    def finish(self, number: int) -> None:
        """After the last line: the file must have ended with its sluitrecord."""
        if not self.closed:
            self.add(number, "99", "", "8026", "the file has no sluitrecord (99)")


def _day(text: str) -> date | None:
    try:
        return parse_date(text)
    except ValueError:
        return None
