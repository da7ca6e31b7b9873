"""A valid declaration of any size, for tests, benchmarks and demonstrations.

Built through the public render path so it is always consistent with the layouts: patients
with valid BSNs, one or more prestaties each, and a sluitrecord whose counts and total match.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from identifiers import make_bsn
from vektis._codec import render_file
from vektis._codelists import prestatiecodes
from vektis._layout import get_standard

__all__ = ["sample_declaration", "sample_records"]

_DAY = date(2024, 3, 4)


def _header(standard: str) -> dict[str, object]:
    s = get_standard(standard)
    return {
        "record_type": "01",
        "ei_code": s.ei_code,
        "version": s.version,
        "subversion": s.subversion,
        "soort_bericht": "T",
        "uzovi": "7095",
        "zorgverlenerscode": "12041054",
        "praktijkcode": "12002242",
        "betaling_aan": "03",
        "period_start": date(2024, 3, 1),
        "period_end": date(2024, 3, 31),
        "factuurnummer": "F2024-0001",
        "factuurdatum": date(2024, 4, 2),
        "valuta": "EUR",
    }


def _bsn(n: int) -> str:
    bsn = None
    while bsn is None:
        bsn = make_bsn(10_000_000 + n)
        n += 1_000_003
    return bsn


def _insured(ident: int, bsn: str) -> dict[str, object]:
    return {
        "record_type": "02",
        "id": ident,
        "bsn": bsn,
        "uzovi": "7095",
        "birth_date": date(1980, 5, 17),
        "sex": "2",
        "0209": "1",
        "surname": "Jansen",
        "initials": "AB",
        "postcode": "1234AB",
        "house_number": 12,
        "0223": "2",
    }


def _service(standard: str, ident: int, bsn: str, amount: int) -> dict[str, object]:
    code = prestatiecodes(standard)[0]
    extra: dict[str, object] = {"0409": "01", "0410": "N"} if standard == "MZ301" else {}
    if standard.startswith("AW319"):  # AW319 declares a period: "EINDDATUM PRESTATIE" (0415)
        extra["end_date_of_service"] = _DAY
    return {
        "record_type": "04",
        "id": ident,
        "bsn": bsn,
        "uzovi": "7095",
        "0407": "1",
        "date_of_service": _DAY,
        **extra,
        "prestatiecodelijst": code.codelijst,
        "prestatiecode": code.code,
        "behandelaar": "12041054",
        "tarief": amount,
        "aantal": 1,
        "berekend_bedrag": amount,
        "declaratiebedrag": amount,
        "referentie": f"REF{ident}",
    }


def sample_records(
    standard: str = "MZ301", *, insured: int = 2, per_insured: int = 2, amount: int = 2458
) -> Iterator[dict[str, object]]:
    """The records of a valid declaration (MZ301, EP301, OS301 or AW319), as semantic mappings."""
    yield _header(standard)
    layout = get_standard(standard).records["04"]
    ident = 0
    for n in range(insured):
        bsn = _bsn(n)
        ident += 1
        yield _insured(ident, bsn)
        for _ in range(per_insured):
            ident += 1
            service = _service(standard, ident, bsn, amount)
            yield {k: x for k, x in service.items() if k == "record_type" or layout.field(k)}
    yield {
        "record_type": "99",
        "aantal_verzekerden": insured,
        "aantal_prestaties": insured * per_insured,
        "aantal_detail": ident,
        "totaal_declaratiebedrag": insured * per_insured * amount,
    }


def sample_declaration(standard: str = "MZ301", **sizes: int) -> bytes:
    """A valid declaration file as bytes; see ``sample_records`` for the sizes."""
    return render_file(get_standard(standard), sample_records(standard, **sizes))
