"""The life of a message at the exchange: which status may follow which. Pure.

The names are the v3 ``Berichtstatus`` values of the published status API. The exchange only
ever moves a message forward along these edges; every move is a timestamped history row, so a
vendor polling the status sees the same sequence as on the real service.

    Ontvangen -> WordtVerwerkt -> VerwerkingVoltooid -> WordtAangeboden -> Bezorgd
                              \\-> AfgekeurdDoorDienst         \\-> AanbiedenMislukt
"""

from __future__ import annotations

from collections.abc import Mapping

from berichten import Berichtstatus
from gateway._errors import GatewayError

__all__ = ["FINAL_STATUSES", "Status", "StatusTransitionError", "check_transition"]


# The exchange speaks the published enum itself; the alias keeps the gateway's code short.
Status = Berichtstatus

_NEXT: Mapping[Status, frozenset[Status]] = {
    Status.ONTVANGEN: frozenset({Status.WORDT_VERWERKT}),
    Status.WORDT_VERWERKT: frozenset({Status.VERWERKING_VOLTOOID, Status.AFGEKEURD_DOOR_DIENST}),
    Status.VERWERKING_VOLTOOID: frozenset({Status.WORDT_AANGEBODEN}),
    Status.WORDT_AANGEBODEN: frozenset(
        {Status.BEZORGD, Status.AANBIEDEN_MISLUKT, Status.BEZORGING_AFGEBROKEN}
    ),
}

FINAL_STATUSES = frozenset(
    {
        Status.AFGEKEURD_DOOR_DIENST,
        Status.BEZORGD,
        Status.AANBIEDEN_MISLUKT,
        Status.BEZORGING_AFGEBROKEN,
    }
)


class StatusTransitionError(GatewayError):
    """Local: the exchange tried to move a message backwards or skip a step (a bug here)."""


def check_transition(current: Status, new: Status) -> None:
    """Refuse any move that is not an edge of the life cycle above."""
    if new not in _NEXT.get(current, frozenset()):
        raise StatusTransitionError(f"status {current.value} kan niet naar {new.value}")
