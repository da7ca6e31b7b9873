"""Adjudication: a declaration in, a judgement per record and the return file out. Pure.

``adjudicate`` walks the file once: the voorlooprecord rules may reject everything; each
verzekerdenrecord (02) is checked against the insured population, and its prestatierecords (04)
are judged by the line rules (``_rules``) or, for credit lines, against the history of paid
lines. What comes back is the return file (``vektis.build_return``) together with the judged
lines, which the caller stores so that later files see them as history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from insurer_stub._codes import code_checker
from insurer_stub._rules import (
    LineContext,
    award,
    header_codes,
    insured_codes,
    is_contracted,
    line_codes,
)
from insurer_stub._values import (
    History,
    Insured,
    InsurerView,
    JudgedLine,
    Line,
    LineStatus,
    insured_reader,
    line_reader,
)
from vektis import (
    FILE_REJECTED,
    FULLY_AWARDED,
    FULLY_REJECTED,
    GOOD_BUT_FILE_REJECTED,
    NO_REMARK,
    NOT_JUDGED,
    PARTIAL_AWARD,
    EIFile,
    Header,
    Judgement,
    Record,
    RecordLayout,
    build_return,
)
from world import Person

__all__ = ["Adjudication", "adjudicate"]

MAX_CODES = 3  # retourcode (01), (02), (03)


@dataclass(frozen=True, slots=True, kw_only=True)
class Adjudication:
    """The outcome of one declaration file; ``lines`` and ``credited`` are for the history."""

    declarant: str
    factuurnummer: str
    fingerprint: str
    header_codes: tuple[str, ...]
    judgements: Mapping[int, Judgement]
    lines: tuple[JudgedLine, ...]
    credited: tuple[str, ...]  # referenties of earlier debit lines this file credited
    ingediend: int
    toegekend: int
    return_file: bytes

    @property
    def judged(self) -> bool:
        """False when the voorlooprecord rules rejected the file before any line was judged."""
        return not self.header_codes or self.header_codes[0] in _JUDGED_HEADERS


_JUDGED_HEADERS = frozenset({FULLY_AWARDED, NO_REMARK, FULLY_REJECTED, FILE_REJECTED})


def adjudicate(
    declaration: EIFile, *, insurer: InsurerView, history: History, today: dt.date
) -> Adjudication:
    """Judge ``declaration`` as ``insurer`` on ``today`` (the day the file was received)."""
    header = Header.of(declaration.header)
    fingerprint = _fingerprint(declaration)
    rejected = header_codes(header, declaration.standard.name, insurer, history, fingerprint)
    walk = _Walk(declaration, header.declarant)
    if rejected:
        walk.reject_all()
        codes = rejected[:MAX_CODES]
    else:
        provider = insurer.directory.provider(header.declarant)
        contracted = provider is not None and is_contracted(provider.contracted_with, insurer)
        walk.judge(
            LineContext(
                insurer=insurer,
                history=history,
                today=today,
                header=header,
                contracted=contracted,
                code_lists=code_checker(declaration.standard),
            ),
        )
        codes = walk.finish(whole_file=insurer.policy.whole_file_rejection)
    return Adjudication(
        declarant=header.declarant,
        factuurnummer=header.factuurnummer,
        fingerprint=fingerprint,
        header_codes=codes,
        judgements=walk.judgements,
        lines=tuple(walk.lines) if not rejected else (),
        credited=tuple(walk.credited) if not rejected else (),
        ingediend=walk.ingediend,
        toegekend=walk.toegekend,
        return_file=build_return(
            declaration, walk.judgements, header_codes=codes, return_date=today
        ),
    )


def _fingerprint(declaration: EIFile) -> str:
    """Identifies "the same file again" (8067): every detail and the closing record, hashed
    in one call (the same digest as record by record, without 100,000 small updates)."""
    text = "".join([*(record.raw for record in declaration.details), declaration.closing.raw])
    return hashlib.blake2b(text.encode("latin-1"), digest_size=16).hexdigest()


class _Readers:
    """``read_line`` and ``read_insured`` with the reader of the latest layout kept at hand:
    a file has one layout per record type, so the lookup is an identity check per record."""

    __slots__ = ("_insured", "_insured_layout", "_line", "_line_layout")

    def __init__(self) -> None:
        self._line_layout: RecordLayout | None = None
        self._line: Callable[[str], Line] | None = None
        self._insured_layout: RecordLayout | None = None
        self._insured: Callable[[str], Insured] | None = None

    def line(self, record: Record) -> Line:
        if record.layout is not self._line_layout or self._line is None:
            self._line_layout, self._line = record.layout, line_reader(record.layout)
        return self._line(record.raw)

    def insured(self, record: Record) -> Insured:
        if record.layout is not self._insured_layout or self._insured is None:
            self._insured_layout, self._insured = record.layout, insured_reader(record.layout)
        return self._insured(record.raw)


class _Walk:
    """The mutable state of one pass over the detail records of one file."""

    __slots__ = (
        "by_ref",
        "credited",
        "declarant",
        "declaration",
        "ids",
        "ingediend",
        "judgements",
        "lines",
        "paid_here",
        "toegekend",
    )

    def __init__(self, declaration: EIFile, declarant: str) -> None:
        self.declaration = declaration
        self.declarant = declarant
        self.judgements: dict[int, Judgement] = {}
        self.lines: list[JudgedLine] = []
        self.credited: dict[str, int] = {}  # debit referentie -> index of its credit line
        self.by_ref: dict[str, int] = {}  # referentie in this file -> index in lines
        self.paid_here: set[tuple[str, dt.date | None, str]] = set()
        self.ids: list[int] = []  # line index -> identificatie detailrecord
        self.ingediend = 0
        self.toegekend = 0

    def reject_all(self) -> None:
        """Header rejection: every detail record comes back "not judged", nothing is paid."""
        for record in self.declaration.details:
            if record.record_type in ("02", "04"):
                ingediend = record.get("declaratiebedrag") if record.record_type == "04" else None
                amount = ingediend if isinstance(ingediend, int) else None
                self.judgements[_id(record)] = Judgement(
                    codes=(NOT_JUDGED,), toegekend=None if amount is None else 0
                )
                self.ingediend += amount or 0

    def judge(self, ctx: LineContext) -> None:
        insured: Insured | None = None
        person: Person | None = None
        readers = _Readers()
        for record in self.declaration.details:
            kind = record.record_type
            if kind == "04":
                self._judge_line(readers.line(record), insured, person, ctx)
            elif kind == "02":
                insured = readers.insured(record)
                codes, person = insured_codes(insured, ctx.insurer)
                if codes:  # a rejected verzekerdenrecord: its prestaties are not judged
                    self.judgements[insured.id] = Judgement(codes=codes[:MAX_CODES], toegekend=None)
                    person = None

    def _judge_line(
        self, line: Line, insured: Insured | None, person: Person | None, ctx: LineContext
    ) -> None:
        self.ingediend += line.ingediend
        if person is None or insured is None or line.bsn != insured.bsn:
            self._add(line, [NOT_JUDGED], 0)
        elif line.is_credit:
            self._judge_credit(line, ctx)
        else:
            self._judge_debit(line, person, ctx)

    def _judge_debit(self, line: Line, person: Person, ctx: LineContext) -> None:
        codes = line_codes(line, person, ctx)
        if line.referentie in self.by_ref and "8021" not in codes:
            codes.insert(0, "8021")  # the reference is used twice within this file
        key = (line.bsn, line.date_of_service, line.prestatiecode)
        if key in self.paid_here and "0587" not in codes:
            codes.append("0587")  # the same prestatie twice within this file
        if codes and _rejecting(codes):
            self._add(line, codes, 0)
            return
        self.paid_here.add(key)
        self._add(line, codes, award(line, ctx))

    def _judge_credit(self, line: Line, ctx: LineContext) -> None:
        """A credit line cancels a paid debit line: the insurer's pages say it repeats the debit
        line with the amount that was paid, and only a (partly) paid line can be credited."""
        target = line.referentie_voorgaand
        if not target:
            # 0651 "Referentienummer voorgaande gerelateerde prestatie ontbreekt of is onjuist."
            self._add(line, ["0651"], 0)
        elif target in self.by_ref and not self.lines[self.by_ref[target]].ingediend < 0:
            # 8062 "Debetregel en identieke creditregel in hetzelfde bestand is niet toegestaan."
            self._reject_debit_here(self.by_ref[target])
            self._add(line, ["8062"], 0)
        elif target in self.credited:
            self._add(line, ["8084"], 0)  # credited twice within this file
        else:
            self._add(line, _credit_codes(line, ctx), 0, credit=True)

    def _reject_debit_here(self, index: int) -> None:
        debit = self.lines[index]
        self.toegekend -= debit.toegekend
        self.lines[index] = _replace(debit, codes=("8062",), toegekend=0)
        self.judgements[self.ids[index]] = Judgement(codes=("8062",), toegekend=0)

    def _add(self, line: Line, codes: list[str], toegekend: int, *, credit: bool = False) -> None:
        accepted = credit and not codes
        if accepted:
            toegekend = line.ingediend
            self.credited[line.referentie_voorgaand] = len(self.lines)
        ident, bsn, _, day, _, code, _, _, ingediend, referentie, voorgaand, _, _ = line
        if codes or credit or ingediend < 0:
            status = _status(line, toegekend, codes, accepted)
        else:
            status = LineStatus.PAID  # what _status says of a debit line without codes
        lines = self.lines
        judged = JudgedLine(  # positional: the field order of JudgedLine, once per line
            self.declarant,
            referentie,
            voorgaand,
            bsn,
            day or dt.date.min,
            code,
            ingediend,
            toegekend,
            status,
            tuple(codes[:MAX_CODES]) if codes else (),
        )
        self.by_ref.setdefault(referentie, len(lines))
        self.ids.append(ident)
        lines.append(judged)
        self.toegekend += toegekend
        if codes:
            self.judgements[ident] = Judgement(codes=judged.codes, toegekend=toegekend)

    def finish(self, *, whole_file: bool) -> tuple[str, ...]:
        """Apply whole-file rejection and choose the header code; ``build_return`` returns the
        verzekerdenrecord above a remarked line with 0200 by itself."""
        any_rejected = any(line.status is LineStatus.REJECTED for line in self.lines)
        any_rejected = any_rejected or any(
            j.toegekend is None and j.codes for j in self.judgements.values()
        )
        if whole_file and any_rejected:
            self._reject_whole_file()
            return (FILE_REJECTED,)
        if not self.judgements:
            return (FULLY_AWARDED,)
        if self.lines and all(line.status is LineStatus.REJECTED for line in self.lines):
            return (FULLY_REJECTED,)
        return (NO_REMARK,)

    def _reject_whole_file(self) -> None:
        """8097 mode: lines that were good come back 8096, and nothing is paid or credited."""
        self.credited.clear()
        self.toegekend = 0
        for index, line in enumerate(self.lines):
            line_id = self.ids[index]
            codes = line.codes if line.status is LineStatus.REJECTED else (GOOD_BUT_FILE_REJECTED,)
            self.lines[index] = _replace(line, codes=codes, toegekend=0)
            self.judgements[line_id] = Judgement(codes=codes, toegekend=0)


def _id(record: Record) -> int:
    value = record.get("id")
    return value if isinstance(value, int) else int(str(value))


def _rejecting(codes: list[str]) -> bool:
    """Any code but the partial-award remark means the line is not paid."""
    return any(code != PARTIAL_AWARD for code in codes) if codes else False


def _status(line: Line, toegekend: int, codes: list[str], accepted_credit: bool) -> LineStatus:
    if accepted_credit:
        return LineStatus.CREDIT
    if line.is_credit or _rejecting(codes):
        return LineStatus.REJECTED
    return LineStatus.PAID if toegekend or not codes else LineStatus.REJECTED


def _replace(line: JudgedLine, *, codes: tuple[str, ...], toegekend: int) -> JudgedLine:
    """The same line, now rejected with ``codes``."""
    return line._replace(codes=codes, toegekend=toegekend, status=LineStatus.REJECTED)


def _credit_codes(line: Line, ctx: LineContext) -> list[str]:
    """Why a credit line cannot be accepted, against the history of earlier files.

    8017 "Van deze creditering is geen debitering bekend": no such debit, a rejected one (the
    insurer pages: a rejected declaration cannot be credited), or a credit of another amount
    than was paid (the pages: the credit line carries the amount the insurer paid).
    8084 "Debetregel is al eerder gecrediteerd."
    """
    earlier = ctx.history.line(ctx.declarant, line.referentie_voorgaand)
    if earlier is None or earlier.status in (LineStatus.REJECTED, LineStatus.CREDIT):
        return ["8017"]
    if earlier.status is LineStatus.CREDITED:
        return ["8084"]
    if -line.ingediend != earlier.toegekend:
        return ["8017"]
    return []
