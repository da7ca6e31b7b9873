"""Return files: verbatim records plus the return block; a clean file is header and closing."""

from __future__ import annotations

from datetime import date

import pytest

import vektis

DAY = date(2024, 5, 1)


@pytest.fixture(scope="module")
def declaration() -> vektis.EIFile:
    return vektis.parse_file(vektis.sample_declaration(insured=2, per_insured=2, amount=2458))


def test_clean_declaration_returns_header_8001_and_closing_only(
    declaration: vektis.EIFile,
) -> None:
    answer = vektis.parse_file(vektis.build_return(declaration, {}, return_date=DAY))
    assert answer.standard.name == "MZ302"
    assert answer.details == ()
    assert answer.header.get("retourcodes") == ("8001",)
    assert answer.header.get("return_date") == DAY
    assert answer.header.raw[5:310] == declaration.header.raw[5:310]
    assert answer.closing.get("totaal_declaratiebedrag") == 4 * 2458
    assert answer.closing.get("totaal_toegekend") == 4 * 2458
    assert answer.closing.get("aantal_detail") == 0


def test_judged_line_is_returned_verbatim_with_its_parent(declaration: vektis.EIFile) -> None:
    judgements = {3: vektis.Judgement(codes=("0611",), toegekend=2000)}
    answer = vektis.parse_file(
        vektis.build_return(declaration, judgements, return_date=DAY, reference="BOEK-1")
    )
    parent, line = answer.details
    assert (parent.get("id"), parent.get("retourcodes")) == (1, ("0200",))
    assert line.raw[:310] == declaration.details[2].raw
    assert (line.get("retourcodes"), line.get("toegekend_bedrag")) == (("0611",), 2000)
    assert answer.header.get("referentie_zorgverzekeraar") == "BOEK-1"
    assert answer.closing.get("totaal_toegekend") == 3 * 2458 + 2000
    assert (answer.closing.get("aantal_verzekerden"), answer.closing.get("aantal_prestaties")) == (
        1,
        1,
    )


def test_rejected_insured_drags_its_lines_along_with_8002(declaration: vektis.EIFile) -> None:
    answer = vektis.parse_file(
        vektis.build_return(declaration, {4: vektis.Judgement(codes=("0320",))}, return_date=DAY)
    )
    assert [(r.get("id"), r.get("retourcodes")) for r in answer.details] == [
        (4, ("0320",)),
        (5, ("8002",)),
        (6, ("8002",)),
    ]
    assert answer.closing.get("totaal_toegekend") == 2 * 2458


def test_all_lines_rejected_marks_the_header_8073(declaration: vektis.EIFile) -> None:
    rejected = {i: vektis.Judgement(codes=("0586",)) for i in (2, 3, 5, 6)}
    answer = vektis.parse_file(vektis.build_return(declaration, rejected, return_date=DAY))
    assert answer.header.get("retourcodes") == ("8073",)
    given = vektis.parse_file(
        vektis.build_return(declaration, rejected, header_codes=("8097",), return_date=DAY)
    )
    assert given.header.get("retourcodes") == ("8097",)


def test_a_return_file_has_no_return_and_is_refused(declaration: vektis.EIFile) -> None:
    answer = vektis.parse_file(vektis.build_return(declaration, {}, return_date=DAY))
    with pytest.raises(vektis.RenderError, match="MZ302 has no return standard"):
        vektis.build_return(answer, {}, return_date=DAY)


@pytest.mark.parametrize(
    ("key", "ei_code", "return_code"),
    [
        pytest.param("AW319", 428, 429, id="wijkverpleging-elv"),
        pytest.param("AW319-187", 187, 188, id="wlz"),
    ],
)
def test_aw319_is_answered_by_aw320_with_its_records_verbatim(
    key: str, ei_code: int, return_code: int
) -> None:
    """AW319 v1.4 0102: "Bij Wlz waarde '187', bij Wijkverpleging en Eerstelijnsverblijf
    waarde '428'"; AW320 answers each with the code COD002 pairs with it (188, 429).
    Positions 1-310 are the heenrecord, then the return block."""
    standard = vektis.get_standard(key)
    aw319 = vektis.parse_file(vektis.render_file(standard, _aw319_records(key)))
    assert (aw319.standard.key, aw319.header.raw[2:5]) == (key, f"{ei_code}")
    judgements = {3: vektis.Judgement(codes=("0611",), toegekend=1000)}
    raw = vektis.build_return(aw319, judgements, return_date=DAY, reference="AW-1")
    answer = vektis.parse_file(raw)
    assert (answer.standard.name, answer.standard.ei_code) == ("AW320", return_code)
    assert answer.header.raw[:5] == f"01{return_code}"
    assert answer.header.raw[5:310] == aw319.header.raw[5:310]
    parent, line = answer.details
    assert parent.raw[:310] == aw319.details[0].raw
    assert line.raw[:310] == aw319.details[2].raw
    assert (line.get("retourcodes"), line.get("toegekend_bedrag")) == (("0611",), 1000)
    assert answer.closing.get("totaal_toegekend") == 3 * 1234 + 1000
    assert vektis.validate(raw) == []


def _aw319_records(key: str = "AW319") -> list[dict[str, object]]:
    """The sample, with EINDDATUM PRESTATIE (0415, M in AW319) filled as the provider would."""
    records = vektis.sample_records(key, insured=2, per_insured=2, amount=1234)
    return [
        {**r, "end_date_of_service": r["date_of_service"]} if r["record_type"] == "04" else r
        for r in records
    ]


def _with_credit_line() -> vektis.EIFile:
    """The sample with its second prestatie (id 3) turned into a credit line (D/C indicator C)."""
    records = list(vektis.sample_records("MZ301", insured=2, per_insured=2, amount=2458))
    for record in records:
        if record.get("id") == 3:
            record["declaratiebedrag"] = -2458
    return vektis.parse_file(vektis.render_file(vektis.get_standard("MZ301"), records))


def test_a_credit_line_counts_negative_in_the_granted_total() -> None:
    declaration = _with_credit_line()
    assert declaration.details[2].raw[155:164] == "00002458C"  # 0430 and its indicator 0431
    answer = vektis.parse_file(vektis.build_return(declaration, {}, return_date=DAY))
    assert answer.details == ()
    assert answer.closing.get("totaal_toegekend") == 2 * 2458
    rejected = vektis.parse_file(
        vektis.build_return(declaration, {2: vektis.Judgement(codes=("0586",))}, return_date=DAY)
    )
    assert rejected.closing.get("totaal_toegekend") == 0 - 2458 + 2 * 2458


def test_lines_with_the_same_codes_keep_their_own_amounts(declaration: vektis.EIFile) -> None:
    """Return blocks are rendered once per (type, codes, amount): amounts must not leak."""
    judgements = {
        2: vektis.Judgement(codes=("8059",), toegekend=1000),
        3: vektis.Judgement(codes=("8059",), toegekend=2000),
        5: vektis.Judgement(codes=("8059",), toegekend=1000),
        6: vektis.Judgement(codes=("0611",), toegekend=1000),
    }
    answer = vektis.parse_file(vektis.build_return(declaration, judgements, return_date=DAY))
    lines = [r for r in answer.details if r.record_type == "04"]
    assert [(r.get("id"), r.get("retourcodes"), r.get("toegekend_bedrag")) for r in lines] == [
        (2, ("8059",), 1000),
        (3, ("8059",), 2000),
        (5, ("8059",), 1000),
        (6, ("0611",), 1000),
    ]
    assert [r.raw[:310] for r in lines] == [declaration.details[i].raw for i in (1, 2, 4, 5)]
    assert answer.closing.get("totaal_toegekend") == 5000


def test_codes_given_as_a_list_are_returned_like_a_tuple(declaration: vektis.EIFile) -> None:
    as_list = vektis.Judgement(codes=["0611", "0586"], toegekend=0)  # type: ignore[arg-type]
    as_tuple = vektis.Judgement(codes=("0611", "0586"), toegekend=0)
    assert vektis.build_return(declaration, {3: as_list}, return_date=DAY) == vektis.build_return(
        declaration, {3: as_tuple}, return_date=DAY
    )
