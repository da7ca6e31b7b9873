"""Which message rows a caller asks for, as SQL conditions over the ``messages`` table.

Pure: each function or value gives the ``WHERE`` text (constant SQL, or built only from fixed
clauses) and its parameters; the store runs them. ``LOOP_READS`` are the reads the store answers
on the event loop's own thread: each walks an index to a handful of rows (the mailbox at most
its ``limit``), which ``tests/e2e/test_gateway_store.py`` checks with ``EXPLAIN QUERY PLAN``.
"""

from __future__ import annotations

from dataclasses import dataclass

import berichten
from gateway._status import Status

__all__ = ["LOOP_READS", "MAILBOX", "MessageFilter", "zoekpad_clause"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageFilter:
    """Which of an organisation's messages to list (the portal's filters); None: any."""

    kind: str | None = None  # "declaration" or "return"
    status: Status | None = None
    addressee: str | None = None  # the insurer's UZOVI
    since: str | None = None  # received on or after this ISO date
    until: str | None = None  # received on or before this ISO date
    limit: int = 250

    def sql(self, organisation: str) -> tuple[str, list[object]]:
        where = ["(indiener=? OR afzender=? OR addressee=?)"]
        params: list[object] = [organisation] * 3
        for clause, value in (
            ("kind=?", self.kind),
            ("status=?", self.status.value if self.status else None),
            ("addressee=?", self.addressee),
            ("received_at>=?", self.since),
            ("substr(received_at,1,10)<=?", self.until),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        # only the fixed clauses above are joined; every value is a parameter
        newest = f"SELECT seq FROM messages WHERE {' AND '.join(where)} ORDER BY seq DESC"  # noqa: S608
        return f"seq IN ({newest} LIMIT {int(self.limit)})", params


_STROOM = "$.routeringgegevens.berichtstroom."
MAILBOX = "addressee=? AND status=? AND delivery='pull' AND acknowledged=0"


def zoekpad_clause(zoekpad: berichten.Zoekpad) -> tuple[str, list[object]]:
    """The SQL condition (and its parameters) that selects the rows one Zoekpad asks for."""
    if isinstance(zoekpad, berichten.ZoekpadOpConversatieId):
        return "conversatie_id=?", [zoekpad.conversatie_id.lower()]
    if isinstance(zoekpad, berichten.ZoekpadOpAlsAntwoordOp):
        return "als_antwoord_op=?", [zoekpad.als_antwoord_op.lower()]
    wanted = {
        "berichttype": zoekpad.berichttype,
        "berichtsubtype": zoekpad.berichtsubtype,
        "berichtversie": zoekpad.berichtversie,
        "berichtsubversie": zoekpad.berichtsubversie,
        "actie": zoekpad.actie,
    }
    given = {k: v for k, v in wanted.items() if v is not None}
    where = [f"json_extract(metadata, '{_STROOM}{k}')=?" for k in given]
    params: list[object] = list(given.values())
    rol, code = zoekpad.geadresseerde_rol, zoekpad.geadresseerde_code
    if rol is not None or code is not None:
        # Some geadresseerde has that rol and/or code; a filter left out matches any.
        where.append(
            "EXISTS (SELECT 1 FROM json_each(metadata, '$.routeringgegevens.geadresseerden') g"
            " WHERE (? IS NULL OR json_extract(g.value, '$.rol')=?)"
            " AND (? IS NULL OR json_extract(g.value, '$.code')=?))"
        )
        params += [rol, rol, code, code]
    return " AND ".join(where) or "1", params


# The reads answered on the loop's thread (``Store``): name -> WHERE over ``messages``.
LOOP_READS = {
    "get": "traceer_id=?",
    "linked": "traceer_id=? OR als_antwoord_op=?",
    "conversation": "conversatie_id=?",
    "mailbox": MAILBOX,
}
