"""Errors of the insurer stubs, and whose fault each one is.

::

    InsurerStubError                    base class of everything raised here
    ├── ConfigurationError              local: the world or settings cannot run an insurer
    ├── StoreError                      local: the durable state is unreadable or inconsistent
    └── ExchangeError                   remote: the exchange refused or failed a call
        └── ExchangeUnavailableError    remote, transient: connection refused, timeout, 5xx

A declaration that is wrong is never an error: it is judged and answered with retourcodes.
"""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "ExchangeError",
    "ExchangeUnavailableError",
    "InsurerStubError",
    "StoreError",
]


class InsurerStubError(Exception):
    """Base class of the insurer stubs' errors."""


class ConfigurationError(InsurerStubError):
    """The world or the settings do not allow an insurer to run (our fault)."""


class StoreError(InsurerStubError):
    """The SQLite state of an insurer cannot be read or written (our fault)."""


class ExchangeError(InsurerStubError):
    """The exchange answered a call with a refusal (its or our fault; the body says which)."""

    def __init__(self, message: str, *, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class ExchangeUnavailableError(ExchangeError):
    """The exchange could not be reached or answered 5xx; trying again later may work."""
