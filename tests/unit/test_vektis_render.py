"""The compiled record writers: each shortcut they take still refuses what does not fit, and
every value the template cannot take is written the careful way, field by field.

A writer is compiled by the first record of a shape and reused for the next ones; its template
checks only the total length, the sign of N integers, the digits of N text and the text of a
D/C indicator or kenmerk. Each test renders a good record first (so the writer exists) and then
one of the very same shape.
"""

from __future__ import annotations

import decimal
import enum
from datetime import date, datetime

import pytest

import vektis
from vektis._render import line_renderer

MZ301 = vektis.get_standard("MZ301")
MZ302 = vektis.get_standard("MZ302")


class _Count(enum.IntEnum):
    FIVE = 5
    CREDIT = -7


class _Code(enum.StrEnum):
    C11 = "C11"


class _Text(str):
    __slots__ = ()


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


def _field(line: str, number: str) -> str:
    field = MZ301.records[line[:2]].by_number[number]
    return line[field.start : field.end]


@pytest.mark.parametrize(
    ("record", "number", "text"),
    [
        (_insured(uzovi="33"), "0204", "0033"),  # N text: zeros on the left, not spaces
        (_insured(birth_date="2024"), "0207", "00002024"),
        (_insured(birth_date=date(5, 1, 1)), "0207", "00050101"),  # CCYY before 1000
        (_insured(birth_date=None), "0207", "00000000"),
        (_service(berekend_bedrag=-7, declaratiebedrag=-2458), "0427", "C"),  # credits
        (_service(berekend_bedrag=-7, declaratiebedrag=-2458), "0430", "00002458"),
        (_service(declaratiebedrag=0), "0431", "D"),
        (_insured(surname="Jansen-Élie"), "0210", "Jansen-Élie".ljust(25)),
    ],
)
def test_a_repeated_shape_writes_each_value_as_its_field_wants(
    record: dict[str, object], number: str, text: str
) -> None:
    line = _after_a_good_one(record)
    assert _field(line, number) == text
    assert len(line) == MZ301.record_length


# Values the %-template cannot take, and the plain values each must be written as: the careful
# tier writes them with the exact text the removed ``str.format`` tier wrote.
CAREFUL = [
    ({"aantal": True}, {"aantal": 1}),
    ({"aantal": decimal.Decimal(3)}, {"aantal": 3}),
    ({"declaratiebedrag": _Count.FIVE}, {"declaratiebedrag": 5}),
    ({"declaratiebedrag": _Count.CREDIT}, {"declaratiebedrag": -7}),
    ({"prestatiecode": 12}, {"prestatiecode": "12"}),  # a number in an AN field
    ({"prestatiecode": 1.5}, {"prestatiecode": "1.5"}),
    ({"prestatiecode": _Code.C11}, {"prestatiecode": "C11"}),
    ({"date_of_service": datetime(2024, 3, 4, 5, 6)}, {"date_of_service": date(2024, 3, 4)}),
    ({"date_of_service": _Text("20240304")}, {"date_of_service": date(2024, 3, 4)}),
    ({"bsn": "123", "0403": "999979668"}, {"bsn": "999979668"}),  # the later key wins
    ({"0403": "999979668", "bsn": "123"}, {"bsn": "000000123"}),
    ({"0430": 5, "0431": "C"}, {"declaratiebedrag": -5}),  # the amount and its sign by number
]


@pytest.mark.parametrize(("odd", "plain"), CAREFUL)
def test_values_the_template_cannot_take_are_written_the_careful_way(
    odd: dict[str, object], plain: dict[str, object]
) -> None:
    render = line_renderer(MZ301)
    expected = render({"record_type": "04", **plain})
    for _ in range(2):  # compiling the shape, then through the kept writer
        assert render({"record_type": "04", **odd}) == expected


@pytest.mark.parametrize(
    "codes", [("0320", "8059"), ["0320", "8059"], "0320", (), ("0320", "8059", "")]
)
def test_retourcodes_are_written_into_their_three_fields(
    codes: str | tuple[str, ...] | list[str],
) -> None:
    given = (codes,) if isinstance(codes, str) else tuple(codes)
    by_number = dict(zip(("0496", "0497", "0498"), (*given, "", "", ""), strict=False))
    expected = line_renderer(MZ302)({"record_type": "04", **by_number})
    for _ in range(2):
        assert line_renderer(MZ302)({"record_type": "04", "retourcodes": codes}) == expected


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"0431": "X"}, "0431"),  # the template wrote it before (no check on an AN indicator)
        ({"0401": "05"}, "0401"),
        ({"aantal": 2.0}, "aantal"),
        ({"aantal": -3}, "aantal"),
        ({"prestatiecode": None}, "NoneType"),
        ({"declaratiebedrag": "5"}, "whole number of cents"),
        ({"date_of_service": 20240101}, "needs a date"),
        ({"nope": 1}, "no field 'nope'"),
    ],
)
def test_a_value_no_writer_takes_is_refused_and_named(
    values: dict[str, object], named: str
) -> None:
    for _ in range(2):
        with pytest.raises(vektis.RenderError, match=named):
            line_renderer(MZ301)({"record_type": "04", **values})


def test_the_retourcodes_that_do_not_fit_are_refused() -> None:
    for codes, named in ((("1", "2", "3", "4"), "at most three"), (("03200",), "0496")):
        with pytest.raises(vektis.RenderError, match=named):
            vektis.render_file(MZ302, [{"record_type": "04", "retourcodes": codes}])


def test_text_outside_latin_1_is_refused_through_a_compiled_plan() -> None:
    with pytest.raises(vektis.RenderError, match="latin-1"):
        vektis.render_file(MZ301, [_insured(), _insured(surname="Jansen\u0101")])


def test_a_credit_after_debits_of_the_same_shape_is_written_with_c() -> None:
    lines = vektis.render_file(MZ301, [_service(), _service(declaratiebedrag=-2458)])
    debit, credit = lines.split(b"\r\n")[:2]
    assert debit[155:164] == b"00002458D"  # 0430 and its indicator 0431
    assert credit[155:164] == b"00002458C"
