"""Typed values the client hands back: mailbox entries, statuses, receipts, envelopes.

They carry only what a provider's software needs from the wire documents, with Python names;
the wire names stay in ``_protocol``. Building the push metadata of a declaration lives here
too, because it is a pure mapping from a few facts to the BerichtMetadata document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "FAILED_STATUSES",
    "FINAL_STATUSES",
    "DeclarationEnvelope",
    "Melding",
    "MessageInfo",
    "MessageStatus",
    "Party",
    "PushReceipt",
    "Stream",
]

# Statuses of the berichtstatus v3 enum after which nothing more happens to a message.
FINAL_STATUSES = frozenset(
    {"AfgekeurdDoorDienst", "VerwerkingVoltooid", "Bezorgd", "BezorgingAfgebroken"}
)
FAILED_STATUSES = frozenset(
    {"AfgekeurdDoorDienst", "DeelberichtAanleveringAfgekeurd", "BezorgingAfgebroken"}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Party:
    """A Relatie: a role (Praktijk, Zorgverlener, Instelling, Zorgverzekeraar, ...) and code."""

    rol: str
    code: str | None = None

    def to_json(self) -> dict[str, str]:
        return {"rol": self.rol, "code": self.code} if self.code else {"rol": self.rol}


@dataclass(frozen=True, slots=True, kw_only=True)
class Stream:
    """A berichtstroom, e.g. MZ301 1.3 Indienen."""

    berichttype: str
    berichtversie: int
    berichtsubversie: int
    actie: str

    def to_json(self) -> dict[str, Any]:
        return {
            "berichttype": self.berichttype,
            "berichtversie": self.berichtversie,
            "berichtsubversie": self.berichtsubversie,
            "actie": self.actie,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Melding:
    code: str
    omschrijving: str
    toelichting: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageInfo:
    """One message waiting in the mailbox, as listed by rest-pull."""

    traceer_id: str
    conversatie_id: str
    als_antwoord_op: str | None = None
    referentie_id: str | None = None
    afzender: Party
    geadresseerden: tuple[Party, ...] = ()
    stream: Stream
    received_at: str | None = None
    size: int | None = None
    checksum: str = ""
    checksum_algorithm: str = ""
    context: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def berichttype(self) -> str:
        return self.stream.berichttype


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageStatus:
    """One BerichtstatusGegevens of the v3 status service."""

    traceer_id: str
    conversatie_id: str
    als_antwoord_op: str | None = None
    stream: Stream
    status: str
    changed_at: str = ""
    received_at: str = ""
    meldingen: tuple[Melding, ...] = ()

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_failed(self) -> bool:
        return self.status in FAILED_STATUSES


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclarationEnvelope:
    """What the push metadata of one declaration says: who, to whom, which stream, which ids."""

    afzender: Party
    uzovi: str
    stream: Stream
    traceer_id: str
    conversatie_id: str
    referentie_id: str | None = None

    def to_metadata(self) -> dict[str, Any]:
        """The push BerichtMetadata: routeringgegevens and referentiegegevens, no basisgegevens."""
        refs: dict[str, str] = {"conversatieId": self.conversatie_id, "traceerId": self.traceer_id}
        if self.referentie_id:
            refs["referentieId"] = self.referentie_id
        return {
            "routeringgegevens": {
                "afzender": self.afzender.to_json(),
                "geadresseerden": [{"rol": "Zorgverzekeraar", "code": self.uzovi}],
                "berichtstroom": self.stream.to_json(),
            },
            "referentiegegevens": refs,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PushReceipt:
    """The exchange accepted (stored) a message: its ids and the status it had right after."""

    traceer_id: str
    conversatie_id: str
    berichttype: str
    uzovi: str
    status: str | None = None
