"""The generator's fast path: span templates, cached pools, credits and twins rendered right.

``vektis.validate`` and ``vektis.parse_file`` are the reference the fast path must agree with.
"""

from __future__ import annotations

import datetime as dt

import pytest

import vektis
from provider_client import GenerateOptions, generate_file
from provider_client._draw import build_context
from vektis import SpanTemplate
from world import World, generate_world

TODAY = dt.date(2025, 6, 15)
MZ301 = vektis.get_standard("MZ301")
LAYOUT = MZ301.records["04"]


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(seed=7, persons=1500, today=TODAY)


def _template(**spans: tuple[str, ...]) -> SpanTemplate:
    return SpanTemplate(MZ301, "04", fixed={"uzovi": "7095"}, spans=spans or {"id": ("id",)})


def test_a_rendered_record_reads_back_field_by_field() -> None:
    template = _template(
        id=("id",), who=("bsn", "verzekerdennummer"), what=("prestatiecode", "declaratiebedrag")
    )
    who = template.span("who", {"bsn": "999900006", "verzekerdennummer": "V1"})
    what = template.span("what", {"prestatiecode": "C11", "declaratiebedrag": -1234})
    line = template.render(42, who, what)
    assert len(line) == LAYOUT.length
    fields = {f.number: line[f.start : f.end] for f in LAYOUT.fields}
    assert fields["0401"] == "04"
    assert fields["0402"] == "000000000042"
    assert (fields["0403"], fields["0404"]) == ("999900006", "7095")
    assert fields["0405"] == "V1".ljust(15)
    assert fields["0413"] == "C11   "
    assert (fields["0430"], fields["0431"]) == ("00001234", "C")  # signed cents: a credit
    assert fields["0432"] == " " * 20  # outside every span and not fixed: blank


def test_overlapping_spans_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        _template(a=("bsn", "machtigingsnummer"), b=("verzekerdennummer",))


def test_a_value_too_wide_for_its_field_is_refused() -> None:
    template = _template(who=("bsn", "verzekerdennummer"))
    with pytest.raises(ValueError, match="does not fit"):
        template.span("who", {"bsn": "1234567890", "verzekerdennummer": "V"})


def test_pools_are_built_once_per_insurer_and_period(world: World) -> None:
    provider, insurer = world.provider("12050001"), world.insurer("7095")
    assert provider is not None
    assert insurer is not None

    def pool(end: dt.date) -> object:
        ctx = build_context(
            world,
            provider=provider,
            insurer=insurer,
            standard_codes=tuple(p.code for p in vektis.prestatiecodes("MZ301")),
            start=dt.date(2025, 5, 1),
            end=end,
            today=TODAY,
        )
        return ctx.pool

    assert pool(dt.date(2025, 5, 31)) is pool(dt.date(2025, 5, 31))
    assert pool(dt.date(2025, 5, 30)) is not pool(dt.date(2025, 5, 31))


def test_credits_follow_their_original_and_the_total_nets_out(world: World) -> None:
    options = GenerateOptions(
        provider="12050001", lines=200, seed=5, today=TODAY, insurer="7095", credits=0.05
    )
    made = generate_file(world, options)
    assert vektis.validate(made.data) == []
    parsed = vektis.parse_file(made.data)
    prestaties = [r for r in parsed.details if r.record_type == "04"]
    credits = [r for r in prestaties if int(str(r.get("declaratiebedrag"))) < 0]
    assert len(credits) == 10
    by_ref = {r.get_str("referentie"): r for r in prestaties}
    for credit in credits:
        original = by_ref[credit.get_str("referentie_voorgaand")]
        assert original.get("declaratiebedrag") == -int(str(credit.get("declaratiebedrag")))
    total = sum(int(str(r.get("declaratiebedrag"))) for r in prestaties)
    assert parsed.closing.get("totaal_declaratiebedrag") == total
