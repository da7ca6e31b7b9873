"""Properties: round trips are exact; arbitrary damage never escapes as a foreign exception."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

import vektis

VALID = vektis.sample_declaration(insured=2, per_insured=2)


@given(insured=st.integers(1, 4), per_insured=st.integers(1, 3), amount=st.integers(0, 10**6))
def test_round_trip_is_byte_identical(insured: int, per_insured: int, amount: int) -> None:
    data = vektis.sample_declaration(insured=insured, per_insured=per_insured, amount=amount)
    parsed = vektis.parse_file(data)
    rows = [{"record_type": r.record_type, **r.fields()} for r in parsed.records()]
    assert vektis.render_file(parsed.standard, rows) == data
    assert vektis.render_file(parsed.standard, parsed.records()) == data
    assert vektis.validate(data) == []


mutations = st.lists(
    st.tuples(st.integers(0, len(VALID) - 1), st.binary(min_size=0, max_size=4)),
    min_size=1,
    max_size=6,
)


def _mutate(data: bytes, edits: list[tuple[int, bytes]]) -> bytes:
    for at, replacement in edits:
        data = data[:at] + replacement + data[at + 1 :]
    return data


@settings(max_examples=300)
@given(edits=mutations)
def test_mutations_only_raise_vektis_errors_and_validate_never_raises(
    edits: list[tuple[int, bytes]],
) -> None:
    data = _mutate(VALID, edits)
    findings = vektis.validate(data)
    try:
        vektis.parse_file(data)
    except vektis.VektisError:
        assert findings, "parse refused a file that validation found clean"


@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    vektis.validate(data)
    with contextlib.suppress(vektis.VektisError):
        vektis.parse_file(data)
