"""Configuration of the exchange and its simulated clock.

Everything a test or the composition root may want to change is a field of ``GatewaySettings``;
the clock is separate because the operator moves it at run time (``PUT /clock``).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from world import HomeLayout

__all__ = ["MIB", "GatewaySettings", "RetrySchedule", "SimulatedClock"]

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class RetrySchedule:
    """Exponential backoff for pushing to a participant: ``first * factor**n``, capped.

    ``attempts`` counts every try, the first included; after the last one fails the message
    ends as ``AanbiedenMislukt``.
    """

    attempts: int = 6
    first_delay: float = 2.0
    factor: float = 2.0
    max_delay: float = 300.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.first_delay < 0 or self.factor < 1 or self.max_delay < 0:
            raise ValueError("a retry schedule needs attempts >= 1, delays >= 0 and factor >= 1")

    def delay_after(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return float(min(self.first_delay * self.factor ** (attempt - 1), self.max_delay))


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewaySettings:
    """How one exchange runs; ``layout`` says where its files live."""

    layout: HomeLayout
    host: str = "127.0.0.1"
    port: int = 8443
    max_payload_bytes: int = 64 * MIB
    retry: RetrySchedule = RetrySchedule()
    # Where to push to, by organisation code, over the world's endpoints; copied, so changing
    # the mapping given has no effect. Known only once running: ``Gateway.set_push_endpoints``.
    push_endpoints: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    clock: Callable[[], dt.datetime] | None = None
    # Base URL of payload links (a proxy in front); default: as the client reached us.
    public_url: str | None = None
    delivery_timeout: float = 30.0
    worker_interval: float = 0.2
    journal_flush_interval: float = 0.05
    crl_check_interval: float = 1.0
    fault_seed: int = 0
    # SOAP 1.1 says every fault travels with HTTP 500; the house rule says a client's mistake is
    # never a 500. Client/VersionMismatch faults get this status (400), Server faults keep 500;
    # an operator mimicking a strict SOAP 1.1 peer sets 500.
    soap_client_fault_status: int = 400
    # Berichtloket: a downloaded payload stays available this long, then only metadata remains.
    payload_retention: dt.timedelta = dt.timedelta(hours=24)
    retention_sweep_interval: float = 60.0
    # The journal (docs/ADMIN.md): pruned by the same sweep to this age and this many rows.
    journal_retention: dt.timedelta = dt.timedelta(days=7)
    journal_max_rows: int = 200_000
    # Connections to the TLS port (docs/COMPATIBILITY.md, "Connection limits"). At most
    # max_connections are open at once, counted from the TCP accept; one more is closed at once.
    # A TLS handshake gets handshake_timeout seconds. A request head must be complete within
    # request_head_timeout seconds of the handshake or of the previous answer, which also ends
    # a keep-alive connection left idle that long.
    max_connections: int = 256
    handshake_timeout: float = 10.0
    request_head_timeout: float = 60.0
    # VECOZO's webservices (REST berichtenservice, COV) take a systeemcertificaat only; True lets
    # a person's certificate in as well, for clients built on the old behaviour
    # (docs/COMPATIBILITY.md, "System certificates on the webservices").
    rest_person_certificates: bool = False

    def __post_init__(self) -> None:
        # A frozen value: a copy, so nobody changes the endpoints behind the exchange's back.
        object.__setattr__(self, "push_endpoints", MappingProxyType(dict(self.push_endpoints)))
        if self.soap_client_fault_status not in (400, 500):
            raise ValueError(
                "soap_client_fault_status is 400 (house rule) or 500 (strict SOAP 1.1)"
            )
        if self.payload_retention < dt.timedelta() or self.retention_sweep_interval <= 0:
            raise ValueError("payload_retention >= 0 and retention_sweep_interval > 0 are needed")
        if self.journal_retention <= dt.timedelta() or self.journal_max_rows < 1:
            raise ValueError("journal_retention > 0 and journal_max_rows >= 1 are needed")
        if self.max_connections < 1 or min(self.handshake_timeout, self.request_head_timeout) <= 0:
            raise ValueError(
                "max_connections >= 1 and handshake/request_head timeouts > 0 are needed"
            )


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SimulatedClock:
    """The simulated notion of now: the real clock, shifted so today is the simulated today.

    One instance drives the whole embedded exchange: the gateway, every stub insurer
    (termijnen, the return's dagtekening, ledger and payment dates) and COV. The operator moves
    it with ``PUT /clock``; ``start`` (``World.today``, ``up --today``) is where it begins and
    where ``reset`` brings it back. Shifting (rather than freezing) keeps timestamps ordered,
    which the status history relies on.
    """

    def __init__(
        self, source: Callable[[], dt.datetime] | None = None, *, start: dt.date | None = None
    ) -> None:
        self._source = source or _utc_now
        # The shift from the source, as a timedelta and as float seconds: one tuple, replaced
        # whole, so a reader without the lock never sees one half changed.
        self._shift = (dt.timedelta(), 0.0)
        self._second = (0, "")  # a whole second of simulated time and its ISO text (stamp)
        self._start = start
        self._lock = threading.Lock()
        self.reset()

    def now(self) -> dt.datetime:
        # Reading the one shift attribute is atomic, so no lock: it only serialises writers.
        moment = self._source()
        if moment.tzinfo is not dt.UTC:  # the default source is UTC already
            moment = moment.astimezone(dt.UTC)
        return moment + self._shift[0]

    def stamp(self) -> str:
        """``now()`` as the exchange writes it down: ISO 8601 to the millisecond, ``+00:00``.

        Every request takes one (its journal row). Building a datetime and formatting it cost
        about 4 µs, and three times that inside a loaded server; on the real clock the text up
        to the second is kept, so a stamp is one float sum and the milliseconds.
        """
        if self._source is not _utc_now:
            return self.now().isoformat(timespec="milliseconds")
        moment = time.time() + self._shift[1]
        second = int(moment)
        kept = self._second
        if kept[0] != second:
            text = dt.datetime.fromtimestamp(second, dt.UTC).isoformat(timespec="seconds")
            kept = self._second = (second, text.removesuffix("+00:00"))
        return f"{kept[1]}.{int((moment - second) * 1000):03d}+00:00"

    def today(self) -> dt.date:
        return self.now().date()

    def set_now(self, moment: dt.datetime) -> None:
        """From now on, ``now()`` continues from ``moment``."""
        if moment.tzinfo is None:
            raise ValueError("the simulated time needs a timezone")
        with self._lock:
            shift = moment.astimezone(dt.UTC) - self._source().astimezone(dt.UTC)
            self._shift = (shift, shift.total_seconds())

    def set_today(self, day: dt.date) -> None:
        """Move to ``day`` keeping the time of day, so several calls stay ordered."""
        current = self.now()
        self.set_now(dt.datetime.combine(day, current.timetz()))

    def reset(self) -> None:
        """Back to the start date (the world's), or to the real clock when there is none."""
        with self._lock:
            self._shift = (dt.timedelta(), 0.0)
        if self._start is not None:
            self.set_today(self._start)
