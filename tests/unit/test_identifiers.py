import pytest
from hypothesis import given
from hypothesis import strategies as st

import identifiers
import vektis
from identifiers import (
    AgbCode,
    bsn_check_digit,
    is_ascii_digits,
    is_valid_bsn,
    is_valid_uzovi,
    make_bsn,
    practice_code,
)


def test_known_bsns_pass_the_11_proef() -> None:
    for bsn in ("999979668", "999900006", "111222333", "123456782"):
        assert is_valid_bsn(bsn)


def test_bsn_refusals() -> None:
    assert not is_valid_bsn("123456789")
    assert not is_valid_bsn("000000000")
    assert not is_valid_bsn("12345678")
    assert not is_valid_bsn("12345678a")
    assert not is_valid_bsn("12345678\u00b2")  # a superscript is isdigit() but not int()
    assert not is_valid_bsn("99997966\u0668")  # int() reads an Arabic-Indic eight as 8


@given(st.integers(min_value=0, max_value=99_999_999))
def test_make_bsn_is_valid_or_none(number: int) -> None:
    bsn = make_bsn(number)
    if bsn is not None:
        assert is_valid_bsn(bsn)
        assert bsn[:8] == f"{number:08d}"


def test_make_bsn_covers_bsns_with_repeated_digits() -> None:
    assert make_bsn(11122233) == "111222333"


def test_practice_code_has_the_tussennul() -> None:
    assert practice_code("01", 23456) == "01023456"
    assert AgbCode(code="01023456").is_practice
    assert AgbCode(code="98098059").is_service_bureau


@pytest.mark.parametrize("text", ["0", "7", "0123456789", "000"])
def test_ascii_digits_are_accepted(text: str) -> None:
    assert is_ascii_digits(text)
    assert is_ascii_digits(text, length=len(text))


@pytest.mark.parametrize(
    "text",
    [
        "",  # nothing is no number
        "\u00b2",  # superscript two: isdigit() but int() raises
        "\u0661",  # Arabic-Indic one: isdigit() and int() reads 1
        "\uff11",  # fullwidth one
        " 1",
        "1 ",
        "+1",
        "-1",
        "1.0",
        "1_000",  # int() accepts the underscore
        "½",  # isnumeric() but no digit
    ],
)
def test_anything_else_is_refused(text: str) -> None:
    assert not is_ascii_digits(text)


def test_the_length_must_match_when_given() -> None:
    assert not is_ascii_digits("1234", length=3)
    assert not is_ascii_digits("12", length=3)
    assert not is_ascii_digits("", length=0)  # still at least one digit


def test_identifier_checks_refuse_digits_outside_ascii() -> None:
    assert not is_valid_uzovi("\u0663\u0663\u0663\u0663")
    assert is_valid_uzovi("3311")
    with pytest.raises(ValueError, match="eight digits"):
        AgbCode(code="0102345\u0666")
    with pytest.raises(ValueError, match="eight digits"):
        bsn_check_digit("9999796\u0666")


def test_vektis_reexports_the_same_identifiers() -> None:
    """``vektis.is_valid_bsn`` and friends stay where users found them: the leaf's objects."""
    for name in identifiers.__all__:
        if name != "is_ascii_digits":
            assert getattr(vektis, name) is getattr(identifiers, name)
