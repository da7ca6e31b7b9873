"""The error tree of the wire contracts.

Everything this package raises for bad input descends from one base, so a caller (the gateway's
error middleware, the client's response handling) can catch the family in one place and turn it
into a problem-details body or a SOAP fault::

    BerichtenError                      base; never raised itself
    ├── SchemaError                     a JSON body broke its schema (remote peer's fault)
    │   ├── MetadataError               berichtMetadata of a push / a pull listing
    │   ├── ZoekpadError                the body of POST .../berichten/zoeken
    │   ├── StatusError                 a berichtstatussen answer read by a client
    │   └── CovJsonError                COV JSON face or a COV register entry
    └── SoapFaultError                  a COV SOAP request (or response) that cannot be read
                                        (remote peer's fault; faultcode Client/VersionMismatch)

(``SchemaError``, not ``ValidationError``: the gateway's ``ValidationError`` is the 400 answer
it makes of one; one name per concept across the packages.)

All of them describe the *remote* peer's mistake: the sender of the JSON or the XML. A bug of our
own shows up as an ordinary Python exception, never as one of these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = [
    "BerichtenError",
    "CovJsonError",
    "MetadataError",
    "SchemaError",
    "SoapFaultError",
    "StatusError",
    "ZoekpadError",
]


class BerichtenError(Exception):
    """Base of every error raised for input that breaks a VECOZO wire contract."""


class SchemaError(BerichtenError):
    """A JSON document broke its schema; the remote peer sent it.

    ``errors`` has the shape of the ``errors`` member of a ValidationProblemDetails body: a
    field path (``routeringgegevens.afzender.rol``, ``$`` for the document itself) mapped to
    every message about that field. All violations are collected, not just the first, so a
    vendor can fix a request in one round.
    """

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        self.errors: dict[str, list[str]] = {path: list(msgs) for path, msgs in errors.items()}
        super().__init__(self._summary())

    def _summary(self) -> str:
        parts = [f"{path}: {'; '.join(msgs)}" for path, msgs in sorted(self.errors.items())]
        return f"{len(parts)} invalid field(s): " + " | ".join(parts)


class MetadataError(SchemaError):
    """berichtMetadata (push) or a listed BerichtMetadata (pull) is invalid."""


class ZoekpadError(SchemaError):
    """The Zoekpad body of ``POST /berichten/zoeken`` is invalid."""


class StatusError(SchemaError):
    """A BerichtstatusGegevens document is invalid (read by a client from the exchange)."""


class CovJsonError(SchemaError):
    """A COV JSON request or a COV register entry is invalid."""


class SoapFaultError(BerichtenError):
    """A SOAP message could not be accepted; render it with ``render_soap_fault``.

    ``faultcode`` is the SOAP 1.1 fault code without prefix: ``Client`` when the sender's
    message is wrong, ``VersionMismatch`` when the envelope is not SOAP 1.1 ("The processing
    party found an invalid namespace for the SOAP Envelope element", SOAP 1.1 section 4.4.1),
    ``Server`` when we could not process a correct message.
    """

    def __init__(self, faultstring: str, *, faultcode: str = "Client") -> None:
        self.faultcode = faultcode
        self.faultstring = faultstring
        super().__init__(f"{faultcode}: {faultstring}")
