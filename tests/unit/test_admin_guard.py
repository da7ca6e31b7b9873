"""The admin port's pure parts: the clock's range and the token comparison."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gateway._admin import CLOCK_RANGE, check_clock
from vecozo_sim._admin_port import AdminGuard, new_admin_token

UTC = dt.UTC


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
        dt.datetime(2101, 1, 1, tzinfo=UTC),
        dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
        dt.datetime(2100, 12, 31, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-1))),
    ],
)
def test_moments_outside_the_range_are_refused_naming_it(moment: dt.datetime) -> None:
    with pytest.raises(ValueError, match=r"2000-01-01.*\.\. 2100-12-31"):
        check_clock(moment)


def test_the_edges_of_the_range_are_accepted_and_naive_times_are_not() -> None:
    low, high = CLOCK_RANGE
    assert check_clock(low) == low
    assert check_clock(high) == high
    with pytest.raises(ValueError, match="tijdzone"):
        check_clock(dt.datetime(2025, 3, 1, 10, 0))


def test_only_the_exact_bearer_token_matches(tmp_path: Path) -> None:
    token = new_admin_token()
    assert len(token) >= 43  # 32 random bytes
    assert token != new_admin_token()
    guard = AdminGuard(token=token, bind_host="127.0.0.1", runtime_file=tmp_path / "runtime.json")
    assert guard.token_matches(f"Bearer {token}")
    assert guard.token_matches(f"bearer {token}")  # the scheme is case-insensitive (RFC 9110)
    for header in ("", token, f"Basic {token}", f"Bearer {token[:-1]}", f"Bearer {token}x"):
        assert not guard.token_matches(header), header
