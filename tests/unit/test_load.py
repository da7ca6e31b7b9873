"""The load driver's pure core: parsing, the schedule, percentiles and the summary's sums.

No server: the I/O shell is exercised end to end in tests/e2e/test_load_e2e.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from provider_client._load import (
    MAX_REQUESTS,
    LoadError,
    LoadPlan,
    Outcome,
    achieved_rate,
    parse_accounts,
    parse_duration,
    parse_rate,
    percentile,
    schedule,
    summarise,
)
from provider_client._load_run import declaration, resolve_submitters, shot_seed
from vecozo_sim.cli import main
from world import World, generate_world

TODAY = dt.date(2025, 6, 15)


def _plan(**changes: object) -> LoadPlan:
    values: dict[str, object] = {"accounts": ("a", "b"), "rate": 20.0, "duration": 2.0}
    return LoadPlan(**(values | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "rate"), [("20/s", 20.0), ("20", 20.0), ("600/min", 10.0), ("0.5/s", 0.5)]
)
def test_rates_in_several_units(text: str, rate: float) -> None:
    assert parse_rate(text) == pytest.approx(rate)


@pytest.mark.parametrize("text", ["fast", "20/day", "0/s", "-1/s", ""])
def test_bad_rates_are_named(text: str) -> None:
    with pytest.raises(LoadError, match="--rate"):
        parse_rate(text)


@pytest.mark.parametrize(
    ("text", "seconds"), [("60s", 60.0), ("2m", 120.0), ("500ms", 0.5), ("1.5", 1.5)]
)
def test_durations_in_several_units(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["soon", "10 days", "-3s"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(LoadError, match="duration"):
        parse_duration(text)


def test_accounts_are_split_trimmed_and_unique() -> None:
    assert parse_accounts(" 12050001, 98100001 ,") == ("12050001", "98100001")
    with pytest.raises(LoadError, match="at least one"):
        parse_accounts(" , ")
    with pytest.raises(LoadError, match="12050001 named twice"):
        parse_accounts("12050001,12050001")


def test_schedule_is_steady_and_takes_accounts_in_turn() -> None:
    shots = schedule(_plan(rate=4.0, duration=2.0))
    assert [s.at for s in shots] == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75])
    assert [s.account for s in shots] == [0, 1] * 4
    assert [s.number for s in shots] == list(range(8))


def test_schedule_is_bounded_by_max_requests_and_the_hard_cap() -> None:
    assert len(schedule(_plan(max_requests=3))) == 3
    assert _plan(rate=1000.0, duration=3600.0).count() == MAX_REQUESTS
    assert _plan(rate=0.1, duration=1.0).count() == 1  # a run sends at least once


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([3.0], 95) == 3.0
    assert percentile([], 50) is None
    assert percentile([5.0, 1.0, 3.0], 0) == 1.0  # unsorted input


def test_achieved_rate_counts_intervals_between_sends() -> None:
    assert achieved_rate([0.0, 0.25, 0.5, 0.75, 1.0]) == pytest.approx(4.0)
    assert achieved_rate([0.3]) is None
    assert achieved_rate([]) is None


def _outcome(accepted: bool, ret: float | None = None, **codes: int) -> Outcome:
    return Outcome(
        account="x",
        started=0.0,
        push_seconds=0.01 if accepted else 0.02,
        accepted=accepted,
        refused="" if accepted else "422 Ongeldig",
        return_seconds=ret,
        return_codes={k.strip("_"): v for k, v in codes.items()},
    )


def test_summary_adds_up_and_counts_codes() -> None:
    outcomes = [
        _outcome(True, 0.5, _8001=3, _0611=1),
        _outcome(True, 1.5, _8001=2),
        _outcome(True),
        _outcome(False),
    ]
    summary = summarise(outcomes, planned=5, elapsed=2.0, interrupted=True)
    assert (summary.sent, summary.accepted, summary.refused) == (4, 3, 1)
    assert (summary.returns, summary.missing_returns) == (2, 1)
    assert summary.codes == {"0611": 1, "8001": 5}
    assert summary.refusals == {"422 Ongeldig": 1}
    assert summary.returned.p50 == pytest.approx(1.0)
    as_json = summary.to_json()
    assert as_json["push_latency"]["p50_ms"] == 10.0
    assert as_json["planned"] == 5
    assert as_json["interrupted"] is True


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(seed=1, persons=300, today=TODAY)


def test_accounts_resolve_by_code_name_or_user_number(world: World) -> None:
    names = ("12050001", "Declaratieservice Stompetoren systeem")
    submitters = resolve_submitters(world, names, TODAY)
    assert submitters[0].targets == (("12050001", None),)
    assert submitters[1].account.organisation == "98100001"
    assert submitters[1].targets
    assert all(b == "98100001" for _, b in submitters[1].targets)


@pytest.mark.parametrize(
    ("name", "problem"),
    [("nobody", "no account 'nobody'"), ("7095", "not a provider"), ("Melissa Ooms", "lacks")],
)
def test_accounts_that_cannot_send_are_named(world: World, name: str, problem: str) -> None:
    with pytest.raises(LoadError, match=problem):
        resolve_submitters(world, (name,), TODAY)


def test_each_send_has_its_own_reproducible_file(world: World) -> None:
    plan = _plan(accounts=("12050001", "98100001"), lines=5)
    submitters = resolve_submitters(world, plan.accounts, TODAY)
    shots = schedule(plan)
    files = [declaration(world, plan, submitters, shot, TODAY) for shot in shots[:4]]
    assert len(set(files)) == 4
    assert files[0] == declaration(world, plan, submitters, shots[0], TODAY)
    assert shot_seed(1, 0) != shot_seed(2, 0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rate", "fast"], "--rate"),
        (["--duration", "soon"], "--duration"),
        (["--lines", "0"], "--lines"),
        (["--max-requests", "0"], "--max-requests"),
    ],
)
def test_command_mistakes_are_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["load", "--accounts", "12050001", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_command_without_a_world_says_so(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["load", "--accounts", "12050001", "--home", str(tmp_path)]) == 2
    assert "no world" in capsys.readouterr().err
