"""What a CA remembers between processes: issued certificates, revocations, the CRL counter.

``ca-state.json`` lets ``vecozo-sim certs revoke`` in one process revoke a certificate issued by
``vecozo-sim init`` in another, and keeps the CRLNumber and lastUpdate rising across both. This
module only converts between values and JSON-ready dicts; reading and writing is the caller's.

Serials are written as ``0x…`` hex strings: they are up to 159 bits and JSON readers in other
languages would round them as numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from certs._errors import CaStoreError

__all__ = ["STATE_VERSION", "CaState", "IssuedRecord", "format_serial", "state_from_json"]

STATE_VERSION = 1


def format_serial(serial: int) -> str:
    """The spelling of a serial everywhere people see one: ``0x`` and upper-case hex."""
    return f"0x{serial:X}"


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedRecord:
    """One line of the CA's register: who got which certificate, and where its files went.

    ``user_number`` is ``None`` for server certificates; the paths are ``None`` until the
    certificate was written through ``CertificateAuthority.deliver``.
    """

    serial: int
    kind: str  # "person", "system" or "server"
    name: str
    organisation: str
    user_number: str | None
    not_before: dt.datetime
    not_after: dt.datetime
    cert_path: str | None = None
    key_path: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "serial": format_serial(self.serial),
            "kind": self.kind,
            "name": self.name,
            "organisation": self.organisation,
            "user_number": self.user_number,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "cert_path": self.cert_path,
            "key_path": self.key_path,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> IssuedRecord:
        return cls(
            serial=int(obj["serial"], 16),
            kind=str(obj["kind"]),
            name=str(obj["name"]),
            organisation=str(obj["organisation"]),
            user_number=None if obj.get("user_number") is None else str(obj["user_number"]),
            not_before=dt.datetime.fromisoformat(obj["not_before"]),
            not_after=dt.datetime.fromisoformat(obj["not_after"]),
            cert_path=obj.get("cert_path"),
            key_path=obj.get("key_path"),
        )


@dataclass(slots=True, kw_only=True)
class CaState:
    """The mutable register of one CA; only ``CertificateAuthority`` changes it."""

    issued: dict[int, IssuedRecord] = field(default_factory=dict)
    revoked: dict[int, dt.datetime] = field(default_factory=dict)
    crl_number: int = 0
    crl_last_update: dt.datetime | None = None

    def to_json(self) -> dict[str, Any]:
        last = self.crl_last_update
        return {
            "version": STATE_VERSION,
            "crl_number": self.crl_number,
            "crl_last_update": None if last is None else last.isoformat(),
            "issued": [record.to_json() for record in self.issued.values()],
            "revoked": [
                {"serial": format_serial(serial), "revoked_at": when.isoformat()}
                for serial, when in sorted(self.revoked.items())
            ],
        }


def state_from_json(obj: Any, *, source: str) -> CaState:
    """Rebuild a ``CaState``; a missing or mistyped entry raises ``CaStoreError`` (``source``)."""
    try:
        if obj.get("version") != STATE_VERSION:
            raise CaStoreError(f"{source}: unsupported state version {obj.get('version')!r}")
        last = obj.get("crl_last_update")
        records = (IssuedRecord.from_json(entry) for entry in obj["issued"])
        return CaState(
            issued={record.serial: record for record in records},
            revoked={
                int(entry["serial"], 16): dt.datetime.fromisoformat(entry["revoked_at"])
                for entry in obj["revoked"]
            },
            crl_number=int(obj["crl_number"]),
            crl_last_update=None if last is None else dt.datetime.fromisoformat(last),
        )
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise CaStoreError(f"{source}: malformed CA state ({type(exc).__name__}: {exc})") from None
