"""Properties of adjudication over random files: amounts, verbatim records, closing totals."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st
from test_insurer_rules import BSN, TARIFFS, build, header, insured, judge, line

from vektis import parse_file

CODES = [*TARIFFS, "H11", "Q99"]
PEOPLE = [*BSN, "onbekend"]


@st.composite
def declarations(draw: st.DrawFn) -> bytes:
    records: list[dict[str, object]] = []
    refs: list[str] = []
    for who in draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4)):
        records.append(insured(who) if who in BSN else insured("123456782"))
        for _ in range(draw(st.integers(1, 4))):
            ref = draw(st.sampled_from([f"R{len(refs)}", *refs[-2:]]))
            code = draw(st.sampled_from(CODES))
            amount = draw(st.integers(1, 20_000))
            day = dt.date(2025, 6, 15) - dt.timedelta(days=draw(st.integers(0, 500)))
            is_credit = bool(refs) and draw(st.integers(0, 3)) == 0
            if is_credit:
                records.append(line(ref + "K", code, -amount, referentie_voorgaand=refs[-1]))
            else:
                records.append(line(ref, code, amount, date_of_service=day))
            refs.append(ref)
    uncontracted = draw(st.booleans())
    head = header(zorgverlenerscode="12100002", praktijkcode="12050002") if uncontracted else None
    return build(*records, head=head)


@settings(max_examples=60, deadline=None)
@given(declarations())
def test_toegekend_never_exceeds_ingediend(data: bytes) -> None:
    for judged in judge(data).lines:
        assert abs(judged.toegekend) <= abs(judged.ingediend)
        assert judged.toegekend == 0 or (judged.toegekend > 0) == (judged.ingediend > 0)


@settings(max_examples=60, deadline=None)
@given(declarations())
def test_returned_records_keep_their_310_positions(data: bytes) -> None:
    original = {r.get_int("id"): r.raw for r in parse_file(data).details}
    returned = parse_file(judge(data).return_file)
    for record in returned.details:
        assert record.raw[:310] == original[record.get_int("id")]
    assert len(returned.header.raw) == 370


@settings(max_examples=60, deadline=None)
@given(declarations())
def test_closing_totals_add_up(data: bytes) -> None:
    result = judge(data)
    returned = parse_file(result.return_file)
    closing = returned.closing
    assert (
        closing.get("totaal_toegekend")
        == result.toegekend
        == sum(j.toegekend for j in result.lines)
    )
    assert closing.get("totaal_declaratiebedrag") == parse_file(data).closing.get(
        "totaal_declaratiebedrag"
    )
    kinds = [r.record_type for r in returned.details]
    assert closing.get("aantal_prestaties") == kinds.count("04")
    assert closing.get("aantal_verzekerden") == kinds.count("02")
    assert closing.get("aantal_detail") == len(kinds)
