"""The errors of the exchange, one tree; each carries the HTTP status it becomes.

::

    GatewayError                    anything the exchange refuses (status_hint 500: our fault)
    ├── AuthenticationError   401   remote: no usable certificate, unknown or expired account
    ├── AuthorizationError    403   remote: revoked, or the account lacks the service right
    ├── ValidationError       400   remote: the request is malformed (ValidationProblemDetails)
    ├── NotFoundError         404   remote: no such message *for this caller* (never leaks)
    ├── PayloadTooLargeError  413   remote: the payload exceeds the configured maximum
    ├── RefusedError          422   remote: well-formed, but the exchange will not take it
    ├── StoreError            500   local: the durable store failed; nothing was acknowledged
    ├── StatusTransitionError 500   local: a status moved against the life cycle (_status.py)
    └── InjectedFaultError    any   the operator asked for this refusal (PUT /faults)

One middleware turns every ``GatewayError`` into a problem-details body, so handlers raise and
never build error responses by hand. ``errors`` maps a field name to its messages, exactly the
``errors`` member of the published ``ValidationProblemDetails``. The names are unique across
the packages: a document that broke its schema is ``berichten.SchemaError``, which the
handlers answer as ``ValidationError``; a 404 as the client reads it is
``provider_client.MessageNotFoundError``; the insurers' store fails with ``InsurerStoreError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = [
    "AuthenticationError",
    "AuthorizationError",
    "GatewayError",
    "InjectedFaultError",
    "NotFoundError",
    "PayloadTooLargeError",
    "RefusedError",
    "StoreError",
    "ValidationError",
]


class GatewayError(Exception):
    """Base class: the exchange refused or failed; ``status_hint`` is the HTTP status."""

    status_hint = 500
    title = "Interne fout"

    def __init__(self, detail: str, *, errors: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}


class AuthenticationError(GatewayError):
    """The caller is not identified: no certificate, no account, or a certificate out of date."""

    status_hint = 401
    title = "Niet geauthenticeerd"


class AuthorizationError(GatewayError):
    """The caller is known but may not do this: revoked, or without the right for the service."""

    status_hint = 403
    title = "Niet geautoriseerd"


class ValidationError(GatewayError):
    """The request itself is malformed; ``errors`` names every wrong field."""

    status_hint = 400
    title = "One or more validation errors occurred."


class NotFoundError(GatewayError):
    """Unknown, or not the caller's: both look the same so existence does not leak."""

    status_hint = 404
    title = "Niet gevonden"


class PayloadTooLargeError(GatewayError):
    status_hint = 413
    title = "Payload te groot"


class RefusedError(GatewayError):
    """Well-formed but refused (unknown addressee, no right to send for the afzender, duplicate)."""

    status_hint = 422
    title = "Unprocessable Content"


class StoreError(GatewayError):
    """The durable store failed; the client was not told its message was accepted."""


class InjectedFaultError(GatewayError):
    """Not an error at all: the operator asked for refusals (``PUT /faults``) to rehearse them."""

    title = "Geïnjecteerde storing"

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status_hint = status
