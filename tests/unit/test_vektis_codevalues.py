"""Code-list values and value rules: a crafted line earns a finding naming record, field, code.

Each case changes one field of a clean MZ301 sample (line 2 is the first verzekerdenrecord,
line 3 its first prestatierecord) and expects exactly one finding for it.
"""

from __future__ import annotations

import pytest

import vektis

MZ301 = vektis.get_standard("MZ301")


def _lines() -> list[str]:
    data = vektis.sample_declaration(insured=1, per_insured=2, amount=10000)
    return data.decode("latin-1").split("\r\n")[:-1]


def _set(lines: list[str], record: int, number: str, text: str) -> list[str]:
    """Write ``text`` into field ``number`` of line ``record`` (1-based), padded to its width."""
    line = lines[record - 1]
    field = MZ301.records[line[:2]].by_number[number]
    value = text.zfill(field.length) if field.type == "N" else text.ljust(field.length)
    lines[record - 1] = line[: field.start] + value + line[field.end :]
    return lines


def _findings(lines: list[str]) -> list[tuple[int, str, str, str]]:
    data = ("\r\n".join(lines) + "\r\n").encode("latin-1")
    return [(f.record, f.record_type, f.field, f.code) for f in vektis.validate(data)]


def test_the_sample_is_clean() -> None:
    assert _findings(_lines()) == []


@pytest.mark.parametrize(
    ("record", "number", "value", "code"),
    [
        # COD046 geslacht: "Hier alleen code '1' (= mannelijk) of code '2' (= vrouwelijk)"
        pytest.param(2, "0208", "3", "0351", id="geslacht-3"),
        # COD700 naamcode (01): "Waarde '1' vullen."
        pytest.param(2, "0209", "5", "0317", id="naamcode-01-5"),
        # COD829 naamcode (03): "Toegestane waarden: '1', '2', '3' en '4' ... anders '0'"
        pytest.param(2, "0216", "5", "0397", id="naamcode-03-5"),
        # COD701 naamcode (02): "Waarde '2' of '0'"; the layout names no code: 0001
        pytest.param(2, "0212", "1", "0001", id="naamcode-02-1"),
        # COD841: "Defaultwaarde '2' ... Waarde '1' indien cliënt overleden."
        pytest.param(2, "0223", "7", "8030", id="overleden-7"),
        # COD183 ongeval: "J ...; N ...; O = onbekend."; the layout names no code: 0001
        pytest.param(3, "0419", "X", "0001", id="ongeval-X"),
        # COD853 soort prestatierecord; the layout names no code: 0001
        pytest.param(3, "0409", "99", "0001", id="soort-prestatierecord-99"),
        # COD820 doorsturen toegestaan: 1 ja, 2 nee
        pytest.param(3, "0407", "7", "8031", id="doorsturen-7"),
        # BTW-percentage: 0600, 0900, 1750, 1900, 2100 or empty
        pytest.param(3, "0429", "1234", "8016", id="btw-12.34"),
    ],
)
def test_a_value_outside_its_code_list_is_reported(
    record: int, number: str, value: str, code: str
) -> None:
    record_type = "02" if record == 2 else "04"
    assert _findings(_set(_lines(), record, number, value)) == [(record, record_type, number, code)]


def test_an_empty_conditional_code_field_passes() -> None:
    lines = _set(_set(_lines(), 3, "0419", " "), 2, "0212", "0")
    assert _findings(lines) == []


def test_declaratiebedrag_above_berekend_bedrag_is_8063() -> None:
    # 8063: "Berekend bedrag mag niet lager zijn dan gedeclareerd bedrag." The total in the
    # sluitrecord is kept right so that only this rule fires.
    lines = _set(_lines(), 3, "0430", "10001")
    lines = _set(lines, 5, "9907", "20001")
    assert _findings(lines) == [(3, "04", "0430", "8063")]


def test_declaratiebedrag_below_berekend_bedrag_is_fine() -> None:
    lines = _set(_set(_lines(), 3, "0430", "9000"), 5, "9907", "19000")
    assert _findings(lines) == []


def test_btw_on_care_of_a_declarant_without_btw_number_is_8016() -> None:
    # 0429: "verplicht invullen als over de desbetreffende prestatie BTW geheven wordt";
    # 0118: "verplicht vullen als de zorgverlener BTW-plichtig is ... Anders niet vullen."
    lines = _set(_lines(), 1, "0118", "")
    assert _findings(_set(lines, 3, "0429", "2100")) == [(3, "04", "0429", "8016")]


def test_btw_of_a_declarant_with_btw_number_passes() -> None:
    lines = _set(_lines(), 1, "0118", "NL123456789B01")
    assert _findings(_set(lines, 3, "0429", "2100")) == []


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x07", "\x7f", "\t"])
@pytest.mark.parametrize(
    ("record", "number", "code"),
    [
        pytest.param(2, "0210", "0312", id="naam"),  # a mandatory AN field with its own code
        pytest.param(3, "0432", "8021", id="referentie"),
        pytest.param(1, "0116", "0030", id="factuurnummer"),
    ],
)
def test_a_control_character_in_a_text_field_is_reported(
    char: str, record: int, number: str, code: str
) -> None:
    lines = _lines()
    line = lines[record - 1]
    field = MZ301.records[line[:2]].by_number[number]
    text = line[field.start : field.end]
    lines[record - 1] = line[: field.start] + "AB" + char + text[3:] + line[field.end :]
    findings = vektis.validate(("\r\n".join(lines) + "\r\n").encode("latin-1"))
    assert [(f.record, f.field, f.code) for f in findings] == [(record, number, code)]
    assert f"position {field.start + 3}" in findings[0].message


def test_control_characters_in_reserve_are_not_checked() -> None:
    lines = _lines()
    reserve = MZ301.records["02"].by_number["0280"]
    lines[1] = lines[1][: reserve.start] + "\x00" + lines[1][reserve.start + 1 :]
    assert _findings(lines) == []


@pytest.mark.parametrize("digit", ["\u00b2", "\u00b9"])
def test_a_superscript_in_the_btw_percentage_is_a_finding_not_a_crash(digit: str) -> None:
    # Latin-1 holds "²" and "¹", which str.isdigit() accepts and int() refuses: validate
    # "never raises for any input", so the field is reported as not numeric instead.
    lines = _set(_lines(), 1, "0118", "")
    data = ("\r\n".join(_set(lines, 3, "0429", "21" + digit + "0")) + "\r\n").encode("latin-1")
    [finding] = vektis.validate(data)
    assert (finding.record, finding.field, finding.code) == (3, "0429", "8016")
    assert "is not numeric" in finding.message
