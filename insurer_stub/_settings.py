"""Settings of the insurer stubs and the rehearsal faults an operator can switch on.

Values only. The clock is a setting because the world may run on a simulated date: adjudication
judges declaratietermijnen and payment dates against "today", and tests need to fix it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from world import HomeLayout, World

__all__ = ["Faults", "InsurerSettings", "parse_faults"]


@dataclass(frozen=True, slots=True, kw_only=True)
class InsurerSettings:
    """Where the world lives, where the exchange is, where the stubs listen, which clock."""

    layout: HomeLayout
    gateway_url: str  # e.g. https://127.0.0.1:8443
    host: str = "127.0.0.1"
    port: int = 0  # of the receiving endpoint for push-mode insurers; 0 picks a free port
    clock: Callable[[], dt.date] | None = None  # overrides world.today and the real date
    world: World | None = None  # the loaded world; read from ``layout`` when None
    uzovis: frozenset[str] | None = None  # run only these insurers; None runs every one
    poll_interval: float = 0.5  # seconds between mailbox pulls of a pull-mode insurer
    # Seconds between pulls while the mailbox is believed empty. None: ``poll_interval`` (a
    # standalone insurer, nobody wakes it). A composition root that calls
    # ``InsurerHost.wake`` whenever the exchange offers a message sets it long, so an idle
    # exchange costs no polls; the idle pull remains as a safety net.
    idle_interval: float | None = None
    seed: int = 0  # for the processing-delay jitter, so rehearsals repeat
    send_attempts: int = 8  # bounded retries of a return file while the exchange is away
    retry_delay: float = 0.25  # first back-off; doubles per attempt, at most 5 s


@dataclass(frozen=True, slots=True, kw_only=True)
class Faults:
    """Rehearsal faults of one insurer.

    ``down``: its endpoint answers 503 and it stops pulling, so the exchange must retry;
    ``slow_seconds``: extra processing time per file; ``answer_twice``: every return file is
    pushed twice with the same traceerId, which the exchange must deliver only once.
    """

    down: bool = False
    slow_seconds: float = 0.0
    answer_twice: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "down": self.down,
            "slowSeconds": self.slow_seconds,
            "answerTwice": self.answer_twice,
        }


def parse_faults(body: object, current: Faults) -> Faults:
    """Apply a JSON body ``{"down"?, "slowSeconds"?, "answerTwice"?}``; ValueError names the
    first bad member."""
    if not isinstance(body, Mapping):
        raise ValueError("the body must be a JSON object")
    unknown = set(body) - {"uzovi", "down", "slowSeconds", "answerTwice"}
    if unknown:
        raise ValueError(f"unknown member {sorted(unknown)[0]!r}")
    down = body.get("down", current.down)
    slow = body.get("slowSeconds", current.slow_seconds)
    twice = body.get("answerTwice", current.answer_twice)
    if not isinstance(down, bool) or not isinstance(twice, bool):
        raise ValueError("down and answerTwice are booleans")
    if isinstance(slow, bool) or not isinstance(slow, int | float) or not 0 <= slow <= 300:
        raise ValueError("slowSeconds is a number of seconds between 0 and 300")
    return Faults(down=down, slow_seconds=float(slow), answer_twice=twice)
