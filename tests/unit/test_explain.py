"""Explaining EI files field by field, and summing up return files: pure, no exchange."""

from __future__ import annotations

import datetime as dt

import pytest

import vektis
from provider_client._explain import describe_code, euros, explain, summarise_return
from provider_client._render_table import explanation_text, return_table

SAMPLE = vektis.sample_declaration("MZ301", insured=2, per_insured=2, amount=2458)


def _fields(data: bytes, line: int, **options: bool) -> dict[str, tuple[str, str]]:
    record = explain(data, **options).records[line - 1]
    return {f.number: (f.name, f.value) for f in record.fields}


def test_fields_carry_the_layouts_numbers_names_and_readable_values() -> None:
    header, prestatie = _fields(SAMPLE, 1), _fields(SAMPLE, 3)

    assert header["0108"] == ("UZOVI-NUMMER", "7095")
    assert header["0114"][1] == "2024-03-01"  # DAT fields as ISO dates
    assert prestatie["0403"][0] == "BURGERSERVICENUMMER (BSN) VERZEKERDE"
    assert prestatie["0430"] == ("DECLARATIEBEDRAG (INCL. BTW)", "24.58")  # BED fields in euros


def test_empty_fields_are_left_out_unless_asked_for() -> None:
    assert "0118" not in _fields(SAMPLE, 1)  # the BTW number is blank in the sample
    assert "0118" in _fields(SAMPLE, 1, show_empty=True)


def test_a_broken_line_is_still_laid_out_and_its_finding_named() -> None:
    lines = SAMPLE.decode("latin-1").split("\r\n")
    lines[2] = lines[2][:2] + "X" * 12 + lines[2][14:]  # identificatie detailrecord not numeric
    broken = "\r\n".join(lines).encode("latin-1")

    explained = explain(broken)

    assert len(explained.records) == len(SAMPLE.decode("latin-1").splitlines())
    assert dict((f.number, f.value) for f in explained.records[2].fields)["0402"] == "X" * 12
    assert any(f.record == 3 for f in explained.findings)
    assert "finding(s):" in explanation_text(explained)


@pytest.mark.parametrize("control", ["\x0b", "\x0c", "\x1c", "\x85", "\r"])
def test_a_control_character_inside_a_field_does_not_split_its_record(control: str) -> None:
    lines = SAMPLE.decode("latin-1").split("\r\n")
    name = vektis.detect_standard(SAMPLE).records["02"].field("0210")[0]  # naam verzekerde
    lines[1] = lines[1][: name.start] + "Jan" + control + lines[1][name.start + 4 :]
    broken = "\r\n".join(lines).encode("latin-1")

    explained = explain(broken)

    # One record per CR LF line, as the validator counts them, so finding numbers match.
    assert len(explained.records) == len(SAMPLE.decode("latin-1").splitlines())
    assert [r.record_type for r in explained.records[:3]] == ["01", "02", "04"]
    assert dict((f.number, f.value) for f in explained.records[1].fields)["0210"].startswith("Jan")


def test_a_file_without_a_known_header_is_refused() -> None:
    with pytest.raises(vektis.UnknownStandardError):
        explain(b"Dear insurer,\r\n")


def test_retourcodes_come_with_their_meaning() -> None:
    meaning = vektis.retourcode("0320")
    assert meaning is not None
    assert describe_code("0320") == f"0320 {meaning.meaning}"
    assert "not in the COD954 list" in describe_code("0999")
    assert (euros(2458), euros(-5), euros(0)) == ("24.58", "-0.05", "0.00")


def _return_with(judgements: dict[int, vektis.Judgement]) -> bytes:
    declaration = vektis.parse_file(SAMPLE)
    return vektis.build_return(declaration, judgements, return_date=dt.date(2024, 4, 10))


def test_a_return_summary_lists_remarked_lines_codes_and_totals() -> None:
    returned = _return_with({3: vektis.Judgement(codes=("0551",), toegekend=0)})

    summary = summarise_return(returned)

    [line] = [line for line in summary.lines if line.record_type == "04"]
    assert line.prestatiecode
    assert line.awarded == 0
    assert line.codes[0].startswith("0551 ")
    assert summary.total_declared == 4 * 2458
    assert summary.total_awarded == 3 * 2458
    assert "0551" in return_table(summary)


def test_a_code_on_the_verzekerde_record_is_in_the_summary() -> None:
    returned = _return_with({1: vektis.Judgement(codes=("0320",), toegekend=None)})

    summary = summarise_return(returned)

    assert any(
        line.record_type == "02" and line.codes[0].startswith("0320 ") for line in summary.lines
    )
    assert "verzekerde" in return_table(summary)
