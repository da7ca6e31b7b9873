"""The fast render plans: each shortcut they take still refuses what the general path refuses.

A plan is compiled by the first record of a shape and reused for the next ones; it checks only
the total length, the sign of N integers and the digits of N text. Each test renders a good
record first (so the plan exists) and then a bad one of the very same shape.
"""

from __future__ import annotations

from datetime import date

import pytest

import vektis
from vektis._render import _render_general, line_renderer

MZ301 = vektis.get_standard("MZ301")


def _insured(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "record_type": "02",
        "id": 1,
        "bsn": "999979668",
        "uzovi": "3317",
        "birth_date": date(1980, 5, 17),
        "surname": "Jansen",
        "house_number": 12,
    }
    return base | values


def _service(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "record_type": "04",
        "id": 2,
        "bsn": "999979668",
        "date_of_service": date(2024, 3, 4),
        "prestatiecode": "C11",
        "aantal": 1,
        "berekend_bedrag": 2458,
        "declaratiebedrag": 2458,
    }
    return base | values


def _after_a_good_one(bad: dict[str, object]) -> str:
    """Render a good record of ``bad``'s shape, then ``bad`` itself through the same plan."""
    good = _insured() if bad["record_type"] == "02" else _service()
    good = {key: good.get(key, bad[key]) for key in bad}
    render = line_renderer(MZ301)
    render(good)
    return render(bad)


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        (_insured(surname="J" * 26), "surname"),  # AN text one too long: only the length shows
        (_insured(bsn="9999796681"), "bsn"),  # N text too long
        (_insured(house_number=100_000), "house_number"),  # %05d overflows
        (_insured(house_number=-1), "house_number"),  # %05d writes '-0001': the sign guard
        (_insured(id=-12), "id"),
        (_insured(bsn="99997966A"), "bsn"),  # N text of the right length, not digits
        (_insured(bsn="99997966²"), "bsn"),  # a Unicode digit is no [0-9]
        (_insured(uzovi="3 3"), "uzovi"),  # short N text: padded, still not digits
        (_insured(birth_date="1980-5-1"), "birth_date"),  # a date as text: checked as N text
        (_insured(birth_date="198005170"), "birth_date"),
        (_service(aantal=-1), "aantal"),
        (_service(berekend_bedrag=10**8), "berekend_bedrag"),  # the debit template overflows
        (_service(declaratiebedrag=-(10**8)), "declaratiebedrag"),  # and the signed one
    ],
)
def test_a_repeated_shape_refuses_a_misfit_and_names_its_field(
    bad: dict[str, object], named: str
) -> None:
    with pytest.raises(vektis.RenderError, match=named):
        _after_a_good_one(bad)


@pytest.mark.parametrize(
    "record",
    [
        _insured(uzovi="33"),  # zeros on the left, as the general path writes N text
        _insured(birth_date="2024"),
        _insured(birth_date=date(5, 1, 1)),  # a year before 1000 still fills CCYYMMDD
        _insured(birth_date=None),
        _service(berekend_bedrag=-7, declaratiebedrag=-2458),  # credits: abs and C
        _service(declaratiebedrag=0),
        _insured(surname="Jansen-Élie"),
    ],
)
def test_a_repeated_shape_writes_what_the_general_path_writes(record: dict[str, object]) -> None:
    line = _after_a_good_one(record)
    assert line == _render_general(MZ301, record)
    assert len(line) == MZ301.record_length


def test_text_outside_latin_1_is_refused_through_a_compiled_plan() -> None:
    with pytest.raises(vektis.RenderError, match="latin-1"):
        vektis.render_file(MZ301, [_insured(), _insured(surname="Jansen\u0101")])


def test_a_credit_after_debits_of_the_same_shape_is_written_with_c() -> None:
    lines = vektis.render_file(MZ301, [_service(), _service(declaratiebedrag=-2458)])
    debit, credit = lines.split(b"\r\n")[:2]
    assert debit[155:164] == b"00002458D"  # 0430 and its indicator 0431
    assert credit[155:164] == b"00002458C"
