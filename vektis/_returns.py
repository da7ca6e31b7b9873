"""Return files (xx302): the insurer's answer to a declaration, built from its judgements.

Each returned record is the declaration record verbatim (positions 1-310, "Vulling is gelijk
aan overeenkomend veld in het heenbericht") followed by the return block: retourcodes, and for
a prestatierecord the amounts the insurer computes and grants. A file without any remark is
only the voorlooprecord (with 8001 "Declaratie is volledig toegewezen") and the sluitrecord.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from vektis._codec import EIFile, Record
from vektis._codelists import FULLY_AWARDED, FULLY_REJECTED, NO_REMARK, NOT_JUDGED
from vektis._errors import RenderError
from vektis._layout import DECLARATION_WIDTH, Standard, get_standard
from vektis._render import render_line

__all__ = ["Judgement", "build_return"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Judgement:
    """An insurer's verdict on one detail record: retourcodes and the amount granted (cents).

    ``toegekend`` None means: everything when there are no codes, nothing when there are.
    """

    codes: tuple[str, ...] = ()
    toegekend: int | None = None


@dataclass(slots=True, kw_only=True)
class _Outcome:
    """What happens to the records of one declaration, walked in file order."""

    returned: list[tuple[Record, tuple[str, ...], int | None]]
    granted: int = 0
    declared_04: int = 0
    rejected_04: int = 0


def _judge(declaration: EIFile, judgements: Mapping[int, Judgement]) -> _Outcome:
    """One pass over the details; most records carry no verdict and are only counted.

    The identificatie (and of a prestatierecord the declaratiebedrag) of every record comes
    from its layout's compiled reader, looked up once per record type of the file.
    """
    outcome = _Outcome(returned=[])
    returned = outcome.returned
    verdict_of = judgements.get
    ids: dict[str, Callable[[str], int]] = {}  # per record type: one layout each in a file
    amount_of: Callable[[str], int] | None = None  # of the file's one prestatierecord layout
    parent: Record | None = None
    parent_codes: tuple[str, ...] = ()
    parent_returned = False
    for record in declaration.details:
        record_type = record.record_type
        id_of = ids.get(record_type) or ids.setdefault(record_type, _reader(record, "id"))
        verdict = verdict_of(id_of(record.raw))
        codes = verdict.codes if verdict is not None else ()
        if record_type == "04":
            if amount_of is None:
                amount_of = _reader(record, _AMOUNT)
            declared = amount_of(record.raw)
            if not codes and parent_codes:
                codes = (NOT_JUDGED,)  # the verzekerdenrecord above it was rejected
            granted = _granted(verdict, codes, declared)
            outcome.declared_04 += 1
            outcome.granted += granted
            outcome.rejected_04 += granted == 0 and bool(codes)
            if codes or granted != declared:
                if parent is not None and not parent_returned:
                    returned.append((parent, (NO_REMARK,), None))
                    parent_returned = True
                returned.append((record, codes, granted))
        elif record_type == "02":
            parent, parent_codes, parent_returned = record, codes, bool(codes)
            if codes:
                returned.append((record, codes, None))
        elif codes:
            returned.append((record, codes, None))
    return outcome


_AMOUNT = "declaratiebedrag"


def _reader(record: Record, key: str) -> Callable[[str], int]:
    """The reader of one number of a record's layout (kept by the layout)."""
    reader: Callable[[str], int] = record.layout.reader(key).first
    return reader


def _granted(verdict: Judgement | None, codes: tuple[str, ...], declared: int) -> int:
    if verdict is not None and verdict.toegekend is not None:
        return verdict.toegekend
    return 0 if codes else declared


def _header_codes(outcome: _Outcome, given: tuple[str, ...]) -> tuple[str, ...]:
    if given:
        return given
    if not outcome.returned:
        return (FULLY_AWARDED,)
    if outcome.declared_04 and outcome.rejected_04 == outcome.declared_04:
        return (FULLY_REJECTED,)
    return (NO_REMARK,)


def _with_block(target: Standard, record: Record, block: Mapping[str, object]) -> str:
    rendered = render_line(target, {"record_type": record.record_type, **block})
    return record.raw[:DECLARATION_WIDTH] + rendered[DECLARATION_WIDTH:]


def _block(
    target: Standard,
    blocks: dict[tuple[object, ...], str],
    record: Record,
    codes: tuple[str, ...],
    granted: int | None,
) -> str:
    """The return block (positions 311 on) of a returned detail record.

    It depends on the record type, the codes and the amount only, and a file repeats a few
    dozen such combinations, so each is rendered once per file (a retourcodes block
    is written field by field, the careful way, about 10 µs a record).
    """
    key = (record.record_type, codes, type(granted), granted)
    try:
        return blocks[key]
    except KeyError:
        tail = blocks[key] = _render_block(target, record.record_type, codes, granted)
        return tail
    except TypeError:  # unhashable codes (a list): render this one directly
        return _render_block(target, record.record_type, codes, granted)


def _render_block(
    target: Standard, record_type: str, codes: tuple[str, ...], granted: int | None
) -> str:
    block: dict[str, object] = {"record_type": record_type, "retourcodes": codes}
    if granted is not None:
        block |= {"berekend_bedrag_zv": granted, "toegekend_bedrag": granted}
    return render_line(target, block)[DECLARATION_WIDTH:]


def build_return(
    declaration: EIFile,
    judgements: Mapping[int, Judgement],
    *,
    header_codes: tuple[str, ...] = (),
    return_date: date,
    reference: str = "",
) -> bytes:
    """The xx302 file answering ``declaration``; judgements are keyed by identificatie
    detailrecord. ``reference`` is the insurer's booking number (header field 0181)."""
    if declaration.standard.return_standard is None:
        raise RenderError(f"{declaration.standard.name} has no return standard")
    target = get_standard(declaration.standard.return_standard)
    outcome = _judge(declaration, judgements)
    header = _with_block(
        target,
        declaration.header,
        {
            "referentie_zorgverzekeraar": reference,
            "return_date": return_date,
            "retourcodes": _header_codes(outcome, header_codes),
        },
    )
    header = header[:2] + f"{target.ei_code:03d}" + header[5:]
    lines = [header]
    blocks: dict[tuple[object, ...], str] = {}
    for record, codes, granted in outcome.returned:
        lines.append(
            record.raw[:DECLARATION_WIDTH] + _block(target, blocks, record, codes, granted)
        )
    lines.append(_closing(target, declaration, outcome))
    return ("\r\n".join(lines) + "\r\n").encode("latin-1")


def _closing(target: Standard, declaration: EIFile, outcome: _Outcome) -> str:
    """The sluitrecord counts what is returned and totals ingediend and toegekend."""
    counts = dict.fromkeys(("02", "03", "04", "98"), 0)
    for record, _codes, _granted in outcome.returned:
        counts[record.record_type] += 1
    return render_line(
        target,
        {
            "record_type": "99",
            "aantal_verzekerden": counts["02"],
            "aantal_debiteuren": counts["03"],
            "aantal_prestaties": counts["04"],
            "aantal_commentaar": counts["98"],
            "aantal_detail": sum(counts.values()),
            "totaal_declaratiebedrag": declaration.closing.get_int("totaal_declaratiebedrag"),
            "totaal_toegekend": outcome.granted,
        },
    )
