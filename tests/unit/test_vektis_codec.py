"""The codec: a hand-built MZ301 decodes field by field; render pads; round trips are exact."""

from __future__ import annotations

import io
from datetime import date

import pytest

import vektis

# A voorlooprecord, verzekerdenrecord, prestatierecord and sluitrecord written out by hand from
# the MZ301 v1.3 layout, so the test does not depend on the renderer it checks.
HEADER = (
    "01"
    "176"
    "01"
    "03"
    "P"
    "000101"
    "45        "
    "9999"
    "98098059"
    "12041054"
    "12002242"
    "00000000"
    "01"
    "20090101"
    "20090731"
    "factuur-92  "
    "20090731"
    "NL123456789B12"
    "EUR"
).ljust(310)
INSURED = (
    "02"
    "000000000001"
    "999979668"
    "3317"
    "DV3vnr_01      "
    "PAT-7      "
    "19620315"
    "2"
    "1"
    + "Ommeren".ljust(25)
    + "van".ljust(10)
    + "0"
    + " " * 25
    + " " * 10
    + "OP    "
    + "0"
    + "1234AB"
    + " " * 9
    + "00012"
    + "a     "
    + "NL"
    + " " * 11
    + "2"
).ljust(310)
SERVICE = (
    "04"
    "000000000002"
    "999979668"
    "3317"
    "DV3vnr_01      " + " " * 15 + "1"
    "20090101"
    "01"
    "N"
    "000"
    "010"
    "C11   "
    "1"
    "00"
    "      "
    "000"
    "0000"
    " "
    "12041054"
    "0100"
    "12041054"
    "0100"
    "00010000"
    "0001"
    "00010000"
    "D"
    "00000000"
    "0600"
    "00010000"
    "D" + "Ref_01".ljust(20) + " " * 20
).ljust(310)
CLOSING = ("99000001000000000001000000000000200000010000D").ljust(310)
FILE = "\r\n".join((HEADER, INSURED, SERVICE, CLOSING)).encode("latin-1")


@pytest.fixture(scope="module")
def parsed() -> vektis.EIFile:
    return vektis.parse_file(FILE)


def test_standard_is_detected_from_the_header(parsed: vektis.EIFile) -> None:
    assert parsed.standard.name == "MZ301"
    assert (parsed.standard.ei_code, parsed.standard.version, parsed.standard.subversion) == (
        176,
        1,
        3,
    )
    assert vektis.detect_standard(FILE) is parsed.standard


def test_header_decodes_field_by_field(parsed: vektis.EIFile) -> None:
    h = parsed.header
    assert h.get("0102") == h.get("ei_code") == "176"
    assert (h.get("version"), h.get("subversion"), h.get("soort_bericht")) == (1, 3, "P")
    assert h.get("0107") == "45"
    assert (h.get("uzovi"), h.get("servicebureau")) == ("9999", "98098059")
    assert (h.get("zorgverlenerscode"), h.get("praktijkcode")) == ("12041054", "12002242")
    assert (h.get("instellingscode"), h.get("betaling_aan")) == ("00000000", "01")
    assert h.get("period_start") == date(2009, 1, 1)
    assert h.get("period_end") == h.get("factuurdatum") == date(2009, 7, 31)
    assert (h.get("factuurnummer"), h.get("btw_id"), h.get("valuta")) == (
        "factuur-92",
        "NL123456789B12",
        "EUR",
    )


def test_insured_decodes_field_by_field(parsed: vektis.EIFile) -> None:
    r = parsed.details[0]
    assert (r.record_type, r.number, r.get("id")) == ("02", 2, 1)
    assert (r.get("bsn"), r.get("uzovi"), r.get("verzekerdennummer")) == (
        "999979668",
        "3317",
        "DV3vnr_01",
    )
    assert r.get("0206") == "PAT-7"
    assert (r.get("birth_date"), r.get("sex")) == (date(1962, 3, 15), "2")
    assert (r.get("surname"), r.get("prefix"), r.get("initials")) == ("Ommeren", "van", "OP")
    assert (r.get("postcode"), r.get("house_number"), r.get("0220")) == ("1234AB", 12, "a")
    assert r.get("0223") == "2"


def test_service_decodes_with_signed_amounts(parsed: vektis.EIFile) -> None:
    r = parsed.details[1]
    assert r.get("date_of_service") == date(2009, 1, 1)
    assert (r.get("prestatiecodelijst"), r.get("prestatiecode")) == ("010", "C11")
    assert (r.get("behandelaar"), r.get("tarief"), r.get("aantal")) == ("12041054", 10000, 1)
    assert (r.get("declaratiebedrag"), r.get("0431"), r.get("btw_percentage")) == (10000, "D", 600)
    assert (r.get("referentie"), r.get("referentie_voorgaand")) == ("Ref_01", "")
    credit = vektis.parse_file(
        FILE.replace(b"00010000D0", b"00010000C0").replace(b"00010000DRef", b"00010000CRef")
    ).details[1]
    assert credit.get("declaratiebedrag") == -10000
    assert credit.get("0430") == 10000


def test_closing_counts(parsed: vektis.EIFile) -> None:
    assert parsed.closing.values() == {
        "aantal_verzekerden": 1,
        "aantal_debiteuren": 0,
        "aantal_prestaties": 1,
        "aantal_commentaar": 0,
        "aantal_detail": 2,
        "totaal_declaratiebedrag": 10000,
    }


def test_unknown_key_is_a_vektis_error(parsed: vektis.EIFile) -> None:
    with pytest.raises(vektis.UnknownFieldError):
        parsed.header.get("no_such_key")


def test_round_trip_by_field_numbers_is_byte_identical(parsed: vektis.EIFile) -> None:
    again = vektis.render_file(
        parsed.standard,
        [{"record_type": r.record_type, **r.fields()} for r in parsed.records()],
        final_crlf=False,
    )
    assert again == FILE


def test_reading_accepts_a_final_crlf_and_streams() -> None:
    with_crlf = FILE + b"\r\n"
    assert vektis.parse_file(with_crlf).final_crlf
    assert [r.record_type for r in vektis.iter_records(io.BytesIO(with_crlf))] == [
        "01",
        "02",
        "04",
        "99",
    ]


def test_render_pads_n_with_zeros_and_an_with_spaces() -> None:
    line = vektis.render_file(
        vektis.get_standard("MZ301"),
        [{"record_type": "99", "aantal_verzekerden": 7, "totaal_declaratiebedrag": -5}],
    )
    assert line.startswith(b"99000007" + b"000000" * 3 + b"000000000000000005C  ")
    assert line.endswith(b" \r\n")
    assert len(line) == 312


@pytest.mark.parametrize(
    "values",
    [
        {"aantal_verzekerden": -1},
        {"aantal_verzekerden": 10**6},
        {"totaal_declaratiebedrag": 1.5},
        {"nonsense": 1},
        {"0101": "ab"},
    ],
)
def test_render_refuses_values_that_do_not_fit(values: dict[str, object]) -> None:
    with pytest.raises(vektis.RenderError):
        vektis.render_file(vektis.get_standard("MZ301"), [{"record_type": "99", **values}])


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "0002"),
        (FILE[:400], "0804"),
        (FILE.replace(b"\r\n", b"\n", 1), "8095"),
        (b"02" + FILE[2:], "8026"),
        (FILE.replace(b"01176", b"01999", 1), "8061"),
        (FILE.replace(b"20090101", b"20090231", 1), "0020"),
    ],
)
def test_parse_refuses_malformed_files_with_a_retourcode(data: bytes, code: str) -> None:
    with pytest.raises(vektis.FormatError) as caught:
        vektis.parse_file(data)
    assert caught.value.code == code


def test_every_standard_loads_and_returns_are_370_wide() -> None:
    names = set(vektis.STANDARDS)
    assert {"MZ301", "MZ302", "EP301", "EP302", "AW319", "OS301", "OS302"} <= names
    assert vektis.get_standard("MZ302").record_length == 370
    assert vektis.get_standard("OS301").ei_code == 185
    assert vektis.get_standard("OS302").ei_code == 186
    with pytest.raises(vektis.UnknownStandardError):
        vektis.get_standard("XX999")


def _closing(**values: object) -> dict[str, object]:
    return {"record_type": "99", "aantal_verzekerden": 1, "totaal_declaratiebedrag": 5, **values}


@pytest.mark.parametrize(
    "bad",
    [
        {"aantal_verzekerden": -1},
        {"aantal_verzekerden": 10**6},
        {"aantal_verzekerden": 1.5},
        {"totaal_declaratiebedrag": 2.5},
        {"totaal_declaratiebedrag": True},
        {"9901": "98"},
    ],
)
def test_a_repeated_record_shape_still_refuses_values_that_do_not_fit(
    bad: dict[str, object],
) -> None:
    """The first record compiles a plan for its shape; later ones must not slip through it."""
    first = _closing(**{key: 1 if key != "9901" else "99" for key in bad})
    with pytest.raises(vektis.RenderError):
        vektis.render_file(vektis.get_standard("MZ301"), [first, _closing(**bad)])


def test_a_repeated_shape_writes_credits_and_short_codes_like_the_general_path() -> None:
    standard = vektis.get_standard("MZ301")
    rows = [
        {"record_type": "02", "bsn": "999979668", "uzovi": "3317", "surname": "Jansen"},
        {"record_type": "02", "bsn": "999979668", "uzovi": "33", "surname": "Jansen"},
        _closing(),
        _closing(totaal_declaratiebedrag=-7),
    ]
    lines = vektis.render_file(standard, rows).split(b"\r\n")
    assert lines[1][23:27] == b"0033"  # N text shorter than its field: zeros on the left
    assert lines[3][26:45] == b"000000000000000007C"
    assert lines == [vektis.render_file(standard, [row])[:-2] for row in rows] + [b""]
