"""The load driver's pure core: what to send when, and what the answers add up to.

``vecozo-sim load`` (and :mod:`provider_client._load_run`, its I/O shell) sends generated
declarations from several accounts at a steady rate and collects the return files. Everything
that can be decided without a server lives here, so it is unit-tested without one: parsing the
command's rate, duration and accounts, the send schedule (bounded in count and in time), the
percentiles, and the summary the command prints.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from provider_client._errors import ClientError

__all__ = [
    "LoadError",
    "LoadPlan",
    "Outcome",
    "Percentiles",
    "Shot",
    "Summary",
    "achieved_rate",
    "parse_accounts",
    "parse_duration",
    "parse_rate",
    "percentile",
    "percentiles",
    "schedule",
    "summarise",
]

# A run is bounded even when asked for more: at most this many sends, whatever rate x duration.
MAX_REQUESTS = 100_000
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
_PER = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


class LoadError(ClientError):
    """The load command was asked something it cannot do (bad rate, duration or account)."""

    exit_code = 2


def parse_rate(text: str) -> float:
    """Requests per second from ``20/s``, ``600/min``, ``0.5/s`` or a bare ``20``."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*([a-z]+))?\s*", text.lower())
    per = _PER.get(match.group(2) or "s") if match else None
    if match is None or per is None:
        raise LoadError(f"--rate: {text!r} is not a rate such as 20/s or 600/min")
    rate = float(match.group(1)) / per
    if rate <= 0:
        raise LoadError(f"--rate: {text!r} must be more than zero")
    return rate


def parse_duration(text: str) -> float:
    """Seconds from ``60s``, ``2m``, ``500ms``, ``1h`` or a bare number of seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", text.lower())
    unit = _UNITS.get(match.group(2) or "s") if match else None
    if match is None or unit is None:
        raise LoadError(f"{text!r} is not a duration such as 60s, 2m or 500ms")
    return float(match.group(1)) * unit


def parse_accounts(text: str) -> tuple[str, ...]:
    """Comma-separated account names, user numbers or organisation codes; at least one."""
    accounts = tuple(part.strip() for part in text.split(",") if part.strip())
    if not accounts:
        raise LoadError("--accounts: name at least one account (user number, name or AGB/UZOVI)")
    duplicates = sorted(a for a, n in Counter(accounts).items() if n > 1)
    if duplicates:
        raise LoadError(f"--accounts: {', '.join(duplicates)} named twice")
    return accounts


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadPlan:
    """What the user asked: a steady rate over a duration, capped, from these accounts."""

    accounts: tuple[str, ...]
    rate: float  # requests per second, over all accounts together
    duration: float  # seconds of sending
    lines: int = 100
    max_requests: int | None = None
    seed: int = 1
    drain: float = 30.0  # seconds to wait for returns after the last send

    def count(self) -> int:
        """How many sends: rate x duration (at least one), never above the caps."""
        wanted = max(1, math.floor(self.rate * self.duration + 1e-9))
        cap = MAX_REQUESTS if self.max_requests is None else min(self.max_requests, MAX_REQUESTS)
        return max(0, min(wanted, cap))


@dataclass(frozen=True, slots=True, kw_only=True)
class Shot:
    """One send: ``at`` seconds after the start, from ``account`` (an index into the plan's)."""

    number: int
    at: float
    account: int


def schedule(plan: LoadPlan) -> tuple[Shot, ...]:
    """Evenly spaced sends, accounts in turn, so every account sees rate / len(accounts)."""
    step = 1.0 / plan.rate
    n_accounts = len(plan.accounts)
    return tuple(Shot(number=n, at=n * step, account=n % n_accounts) for n in range(plan.count()))


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What happened to one send. ``refused`` holds the code or reason when not accepted."""

    account: str
    started: float  # seconds after the run's start at which the push began
    push_seconds: float
    accepted: bool
    refused: str = ""
    traceer_id: str = ""
    return_seconds: float | None = None  # from the push until the return was seen
    return_codes: Mapping[str, int] = field(default_factory=dict)


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0-100) by linear interpolation between ranks; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * min(max(p, 0.0), 100.0) / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True, slots=True, kw_only=True)
class Percentiles:
    p50: float | None
    p95: float | None
    p99: float | None

    def to_json(self) -> dict[str, float | None]:
        """Milliseconds, rounded: seconds with many digits read badly in a report."""
        return {k: None if v is None else round(v * 1000, 1) for k, v in self._items()}

    def _items(self) -> Iterable[tuple[str, float | None]]:
        return (("p50_ms", self.p50), ("p95_ms", self.p95), ("p99_ms", self.p99))


def percentiles(values: Sequence[float]) -> Percentiles:
    ordered = sorted(values)
    return Percentiles(
        p50=percentile(ordered, 50), p95=percentile(ordered, 95), p99=percentile(ordered, 99)
    )


def achieved_rate(starts: Sequence[float]) -> float | None:
    """Sends per second from the first to the last send: n sends span n - 1 intervals.

    Not sent / elapsed: the elapsed time includes the wait for returns after sending.
    """
    if len(starts) < 2 or max(starts) <= min(starts):
        return None
    return (len(starts) - 1) / (max(starts) - min(starts))


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """The totals the command prints; ``sent == accepted + refused`` by construction."""

    planned: int
    sent: int
    accepted: int
    refused: int
    returns: int
    missing_returns: int  # accepted, but no return seen before the drain ended
    codes: Mapping[str, int]  # retourcodes seen in the return files, with counts
    refusals: Mapping[str, int]  # why sends were refused (problem code or error), with counts
    push: Percentiles
    returned: Percentiles
    rate: float | None  # sends per second achieved between the first and the last send
    elapsed: float
    interrupted: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "planned": self.planned,
            "sent": self.sent,
            "accepted": self.accepted,
            "refused": self.refused,
            "returns": self.returns,
            "missing_returns": self.missing_returns,
            "codes": dict(self.codes),
            "refusals": dict(self.refusals),
            "push_latency": self.push.to_json(),
            "return_latency": self.returned.to_json(),
            "elapsed_s": round(self.elapsed, 3),
            "rate_per_s": None if self.rate is None else round(self.rate, 2),
            "interrupted": self.interrupted,
        }


def summarise(
    outcomes: Sequence[Outcome], *, planned: int, elapsed: float, interrupted: bool = False
) -> Summary:
    """Totals, code counts and latency percentiles of a run's outcomes."""
    accepted = [o for o in outcomes if o.accepted]
    returned = [o for o in accepted if o.return_seconds is not None]
    codes: Counter[str] = Counter()
    for outcome in returned:
        codes.update(outcome.return_codes)
    return Summary(
        planned=planned,
        sent=len(outcomes),
        accepted=len(accepted),
        refused=len(outcomes) - len(accepted),
        returns=len(returned),
        missing_returns=len(accepted) - len(returned),
        codes=dict(sorted(codes.items())),
        refusals=dict(sorted(Counter(o.refused for o in outcomes if not o.accepted).items())),
        push=percentiles([o.push_seconds for o in outcomes]),
        returned=percentiles([o.return_seconds for o in returned if o.return_seconds is not None]),
        rate=achieved_rate([o.started for o in outcomes]),
        elapsed=elapsed,
        interrupted=interrupted,
    )
