"""Compiled readers (Record.get reads through them) and the voorlooprecord's Header: typed
values, signed amounts, and strict about fields a layout lacks."""

from __future__ import annotations

import datetime as dt

import pytest
from vektis_values import mz301_header

import vektis

SAMPLES = {key: vektis.parse_file(vektis.sample_declaration(key)) for key in ("MZ301", "EP301")}


def _header(**changes: object) -> bytes:
    """An MZ301 file of only a voorlooprecord, paid to the zorgverlener, without a praktijk."""
    values = mz301_header(praktijkcode="0", betaling_aan="02") | changes
    closing = {"record_type": "99", "aantal_detail": 0}
    return vektis.render_file(vektis.get_standard("MZ301"), [values, closing])


DECLARATIONS = sorted(k for k, s in vektis.STANDARDS.items() if not s.is_return)


@pytest.mark.parametrize("key", DECLARATIONS)
def test_a_reader_of_field_numbers_gives_each_field_decoded(key: str) -> None:
    for record in vektis.parse_file(vektis.sample_declaration(key)).records():
        numbers = tuple(f.number for f in record.layout.fields)
        assert record.layout.reader(*numbers)(record.raw) == list(record.fields().values())


def test_a_credit_reads_negative_under_its_key_and_bare_under_its_number() -> None:
    record = SAMPLES["MZ301"].details[1]
    credit = record.raw[:163] + "C" + record.raw[164:]  # 0431, the declaratiebedrag's D/C
    amount = record.get_int("declaratiebedrag")
    assert record.layout.reader("declaratiebedrag", "0430")(credit) == [-amount, amount]


def test_an_unknown_key_raises_when_the_reader_is_made() -> None:
    layout = SAMPLES["EP301"].details[1].layout
    with pytest.raises(vektis.UnknownFieldError, match="has no field 'aantal'"):
        layout.reader("id", "aantal")
    returned = vektis.get_standard("MZ302").records["04"]
    with pytest.raises(vektis.UnknownFieldError, match="is 3 fields, not one value"):
        returned.reader("id", "retourcodes")


def test_absent_says_what_a_missing_field_means_and_never_hides_a_present_one() -> None:
    ep301 = SAMPLES["EP301"].details[1]
    mz301 = SAMPLES["MZ301"].details[1]
    assert ep301.layout.reader("id", "aantal", absent={"aantal": 1})(ep301.raw) == [2, 1]
    mz301_aantal = mz301.get_int("aantal")
    assert mz301.layout.reader("aantal", absent={"aantal": 7})(mz301.raw) == [mz301_aantal]


def test_zeros_empty_reads_an_identifier_of_zeros_as_empty() -> None:
    record = vektis.parse_file(_header(praktijkcode="0"))
    layout, raw = record.header.layout, record.header.raw
    assert layout.reader("praktijkcode")(raw) == ["00000000"]
    assert layout.reader("praktijkcode", "uzovi", zeros_empty=("praktijkcode", "uzovi"))(raw) == [
        "",
        "7095",
    ]
    with pytest.raises(vektis.UnknownFieldError, match="no code field"):
        layout.reader("factuurnummer", zeros_empty=("factuurnummer",))


def test_readers_are_compiled_once_and_kept_by_their_layout() -> None:
    layout = SAMPLES["MZ301"].details[1].layout
    assert layout.reader("id", "bsn") is layout.reader("id", "bsn")
    assert layout.reader("id", "bsn") is not layout.reader("bsn", "id")


@pytest.mark.parametrize(
    ("codes", "declarant"),
    [
        ({"instellingscode": "12345678", "praktijkcode": "12050001"}, "12345678"),
        ({"praktijkcode": "12050001"}, "12050001"),
        ({"praktijkcode": "00000000"}, "12100001"),
        ({}, "12100001"),
    ],
)
def test_the_declarant_is_the_instelling_else_the_praktijk_else_the_zorgverlener(
    codes: dict[str, object], declarant: str
) -> None:
    assert vektis.Header.read(_header(**codes)).declarant == declarant


def test_a_header_reads_codes_of_zeros_as_not_given() -> None:
    header = vektis.Header.read(_header(uzovi="0", servicebureau="0"))
    assert (header.uzovi, header.servicebureau, header.instellingscode) == ("", "", "")
    assert (header.zorgverlenerscode, header.factuurnummer) == ("12100001", "F1")
    assert header.factuurdatum == dt.date(2025, 6, 10)
    assert (header.standard.name, header.standard.version, header.standard.subversion) == (
        "MZ301",
        1,
        3,
    )
    assert vektis.Header.of(vektis.parse_file(_header()).header) == vektis.Header.read(_header())


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"02" + b"0" * 308 + b"\r\n", vektis.UnknownStandardError),
        (b"01999" + b"0" * 305 + b"\r\n", vektis.UnknownStandardError),
        (b"0117601033" + b"x" * 20 + b"\r\n", vektis.FormatError),
    ],
)
def test_a_header_that_cannot_be_read_says_why(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        vektis.Header.read(data)


def test_what_a_layout_keeps_compiled_stays_bounded() -> None:
    layout = vektis.get_standard("MZ302").records["04"]
    numbers = [f.number for f in layout.fields]
    for first in numbers:
        for second in numbers:
            layout.reader(first, second)
    assert len(numbers) ** 2 > 512 >= len(layout.compiled)


def test_trim_reads_text_without_surrounding_whitespace_and_get_keeps_the_left() -> None:
    record = SAMPLES["MZ301"].details[1]
    field = record.layout.by_key["referentie"][0]
    raw = record.raw[: field.start] + "  R-1".ljust(field.length) + record.raw[field.end :]
    assert record.layout.reader("referentie")(raw) == ["  R-1"]
    assert record.layout.reader("referentie", trim=True)(raw) == ["R-1"]


def _inspected(raw: str, layout: vektis.RecordLayout) -> dict[str, vektis.Inspected]:
    return {seen.field.number: seen for seen in layout.inspect(raw)}


def _with(raw: str, field: vektis.Field, text: str) -> str:
    return raw[: field.start] + text + raw[field.end :]


def test_inspect_reads_a_good_record_as_the_strict_reader_does() -> None:
    record = SAMPLES["MZ301"].details[1]
    seen = _inspected(record.raw, record.layout)
    assert [s.problem for s in seen.values()] == [""] * len(record.layout.fields)
    assert seen["0408"].value == record.get_date("date_of_service")
    assert seen["0430"].value == record.get_int("declaratiebedrag")
    assert seen["0403"].value == record.get_str("bsn") == seen["0403"].text


def test_inspect_names_what_does_not_read_instead_of_raising() -> None:
    record = SAMPLES["MZ301"].details[1]
    by = record.layout.by_number
    raw = _with(record.raw, by["0408"], "202401 5")  # strptime would take it as 2024-01-05
    raw = _with(raw, by["0425"], " 1_0")  # int() would take it as 10
    raw = _with(raw, by["0431"], "X")
    seen = _inspected(raw, record.layout)
    assert (seen["0408"].value, seen["0408"].problem) == (None, "'202401 5' is not CCYYMMDD")
    assert (seen["0425"].value, seen["0425"].problem) == (None, "' 1_0' is not numeric")
    assert (seen["0431"].text, seen["0431"].problem) == ("X", "'X' is neither D nor C")
    assert seen["0430"].value == record.get_int("declaratiebedrag")  # not C: read as debit


def test_inspect_pads_a_short_line_signs_a_credit_and_ignores_a_long_tail() -> None:
    record = SAMPLES["MZ301"].details[1]
    credit = _with(record.raw, record.layout.by_number["0431"], "C")
    seen = _inspected(credit + "XYZ", record.layout)
    assert seen["0430"].value == -record.get_int("declaratiebedrag")
    short = _inspected(record.raw[:2], record.layout)
    assert short["0402"].text == " " * 12
    assert short["0402"].problem
    assert short["0433"].value == ""
    assert short["0408"].problem
