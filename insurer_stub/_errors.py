"""Errors of the insurer stubs, and whose fault each one is.

::

    InsurerStubError                    base class of everything raised here
    ├── InsurerConfigurationError       local: the world or settings cannot run an insurer
    ├── InsurerStoreError               local: an InsurerStore is unreadable or inconsistent
    └── ExchangeError                   remote: the exchange refused or failed a call
        └── ExchangeUnavailableError    remote, transient: connection refused, timeout, 5xx

A declaration that is wrong is never an error: it is judged and answered with retourcodes.
The ``Insurer`` prefix keeps the names apart from the gateway's ``StoreError`` and the client's
``ConfigurationError`` where the composition root meets all three.
"""

from __future__ import annotations

__all__ = [
    "ExchangeError",
    "ExchangeUnavailableError",
    "InsurerConfigurationError",
    "InsurerStoreError",
    "InsurerStubError",
]


class InsurerStubError(Exception):
    """Base class of the insurer stubs' errors."""


class InsurerConfigurationError(InsurerStubError):
    """The world or the settings do not allow an insurer to run (our fault)."""


class InsurerStoreError(InsurerStubError):
    """The SQLite state of an insurer cannot be read or written (our fault)."""


class ExchangeError(InsurerStubError):
    """The exchange answered a call with a refusal (its or our fault; the body says which)."""

    def __init__(self, message: str, *, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class ExchangeUnavailableError(ExchangeError):
    """The exchange could not be reached or answered 5xx; trying again later may work."""
