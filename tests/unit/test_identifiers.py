from hypothesis import given
from hypothesis import strategies as st

from vektis import AgbCode, is_valid_bsn, make_bsn, practice_code


def test_known_bsns_pass_the_11_proef() -> None:
    for bsn in ("999979668", "999900006", "111222333", "123456782"):
        assert is_valid_bsn(bsn)


def test_bsn_refusals() -> None:
    assert not is_valid_bsn("123456789")
    assert not is_valid_bsn("000000000")
    assert not is_valid_bsn("12345678")
    assert not is_valid_bsn("12345678a")


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
