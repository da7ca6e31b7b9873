"""Validation: one file per rule, each earning exactly that retourcode; valid files are clean."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

import pytest

import vektis

Lines = list[str]


def _sample() -> Lines:
    # 0 header, 1 02 (id 1), 2 04, 3 04, 4 02 (id 4), 5 04, 6 04, 7 closing
    return vektis.sample_declaration(insured=2, per_insured=2).decode("latin-1").split("\r\n")[:-1]


def _put(index: int, start: int, text: str) -> Callable[[Lines], Lines]:
    """Overwrite positions of one line (0-based start), keeping its length."""

    def change(lines: Lines) -> Lines:
        line = lines[index]
        lines[index] = line[:start] + text + line[start + len(text) :]
        return lines

    return change


def _codes(lines: Lines, joiner: str = "\r\n") -> set[str]:
    return {f.code for f in vektis.validate(joiner.join(lines).encode("latin-1") + b"\r\n")}


def _truncate(lines: Lines) -> Lines:
    lines[2] = lines[2][:-1]
    return lines


def _drop_closing(lines: Lines) -> Lines:
    return lines[:-1]


def _unknown_type(lines: Lines) -> Lines:
    return [*lines[:3], "05".ljust(310), *lines[3:]]


RULES: dict[str, Callable[[Lines], Lines]] = {
    "0804": _truncate,
    "8026": _drop_closing,
    "0002": _unknown_type,
    "0010": _put(0, 2, "AB6"),
    "0011": _put(0, 5, "00"),
    "8027": _put(0, 7, "0X"),
    "8061": _put(0, 2, "999"),
    "8028": _put(0, 9, "X"),
    "8029": _put(0, 62, "07"),
    "0020": _put(0, 64, "20241301"),
    "0021": _put(0, 72, "20240201"),
    "0025": _put(0, 92, "20240315"),
    "0031": _put(0, 114, "USD"),
    "8007": _put(2, 58, "20240230"),
    "8004": _put(1, 53, "19800230"),
    "0312": _put(1, 63, " " * 25),
    "0638": _put(2, 130, "00a1"),
    "0631": _put(2, 163, "X"),
    "8064": _put(2, 142, "C"),
    "8032": _put(2, 134, "0000x000"),
    "8033": _put(2, 155, "0000x000"),
    "0150": _put(7, 33, "00000000001"),
    "0151": _put(7, 2, "000003"),
    "0157": _put(7, 8, "000001"),
    "0158": _put(7, 14, "000005"),
    "0153": _put(7, 20, "000001"),
    "0156": _put(7, 26, "0000009"),
    "0801": _put(3, 2, "000000000009"),
    "0435": _put(2, 14, "123456789"),
}


@pytest.mark.parametrize("code", sorted(RULES))
def test_each_rule_yields_exactly_its_retourcode(code: str) -> None:
    assert _codes(RULES[code](_sample())) == {code}


def test_bare_line_feed_is_8095_only() -> None:
    lines = _sample()
    text = "\r\n".join(lines[:3]) + "\n" + "\r\n".join(lines[3:]) + "\r\n"
    assert {f.code for f in vektis.validate(text.encode())} == {"8095"}


def test_debiteurrecord_towards_an_insurer_is_8075() -> None:
    records = list(vektis.sample_records(insured=1, per_insured=1))
    debtor = {
        "record_type": "03",
        "id": 2,
        "debiteurnummer": "D1",
        "0306": "1",
        "0307": "Jansen",
        "0313": "1",
        "0315": "Dorpsstraat",
        "0316": 3,
        "0320": "Utrecht",
    }
    records[2]["id"] = 3
    records[3] |= {"aantal_debiteuren": 1, "aantal_detail": 3}
    data = vektis.render_file(vektis.get_standard("MZ301"), [*records[:2], debtor, *records[2:]])
    assert [(f.record, f.code) for f in vektis.validate(data)] == [(3, "8075")]


def test_a_finding_names_record_type_field_and_a_clear_message() -> None:
    (finding,) = vektis.validate(
        ("\r\n".join(_put(2, 14, "123456789")(_sample())) + "\r\n").encode()
    )
    assert (finding.record, finding.record_type, finding.field) == (3, "04", "0403")
    assert "11-proef" in finding.message


def test_every_problem_is_reported_not_just_the_first() -> None:
    lines = _put(0, 9, "X")(_put(2, 14, "123456789")(_put(7, 2, "000003")(_sample())))
    assert _codes(lines) == {"8028", "0435", "0151"}


@pytest.mark.parametrize("standard", ["MZ301", "EP301", "OS301", "AW319"])
def test_valid_declarations_have_no_findings(standard: str) -> None:
    data = vektis.sample_declaration(standard, insured=3, per_insured=2)
    assert vektis.validate(data) == []
    assert vektis.validate(io.BytesIO(data)) == []
    assert vektis.validate(data[:-2]) == []  # a missing final CR LF is accepted


def test_a_return_file_validates_clean() -> None:
    declaration = vektis.parse_file(vektis.sample_declaration())
    answer = vektis.build_return(
        declaration,
        {2: vektis.Judgement(codes=("0611",), toegekend=100)},
        return_date=date(2024, 5, 1),
    )
    assert vektis.validate(answer) == []


def test_a_refused_credit_return_mixes_indicators_without_8064() -> None:
    """A return totals ingediend as credit and toegekend (zero) as debet: not a 8064."""
    credit = {"berekend_bedrag": -2458, "declaratiebedrag": -2458, "totaal_declaratiebedrag": -2458}
    records = [
        {**r, **{k: v for k, v in credit.items() if k in r}}
        for r in vektis.sample_records(insured=1, per_insured=1)
    ]
    data = vektis.render_file(vektis.get_standard("MZ301"), records)
    assert vektis.validate(data) == []
    answer = vektis.build_return(
        vektis.parse_file(data),
        {2: vektis.Judgement(codes=("8017",), toegekend=0)},
        return_date=date(2024, 5, 1),
    )
    closing = answer.rstrip(b"\r\n").rsplit(b"\r\n", 1)[-1]
    assert closing[44:45] == b"C"  # ingediend: credit
    assert closing[56:57] == b"D"  # toegekend: zero, debet by default
    assert vektis.validate(answer) == []


@pytest.mark.parametrize("data", [b"", b"\x00" * 5000, b"01", b"\r\n" * 3, b"\xff" * 400])
def test_garbage_yields_findings_never_exceptions(data: bytes) -> None:
    assert vektis.validate(data)
