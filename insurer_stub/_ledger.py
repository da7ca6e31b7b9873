"""The per-provider ledger (rekening courant): what was awarded, credited and paid out, and when.

Pure: the store hands over one :class:`Settlement` per judged file of a provider, in the order
the files were received, and :func:`build_ledger` works out the payments. A credit can make a
file's total negative; the insurer pages describe that such a negative amount is offset against
the provider's next declaration, so nothing is paid out until the balance is positive again.
Payment is due on the last day of the policy term, the receipt date counting as day one, never
later than 30 days ("Wij betalen uw declaratie binnen 30 dagen").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_PAYMENT_DAYS", "Ledger", "LedgerRow", "Settlement", "build_ledger", "payment_date"]

MAX_PAYMENT_DAYS = 30


@dataclass(frozen=True, slots=True, kw_only=True)
class Settlement:
    """One judged declaration file of a provider, as the ledger needs it (amounts in cents)."""

    traceer_id: str
    factuurnummer: str
    received: dt.date
    ingediend: int
    toegekend: int  # the sum of toegekend over the file's lines; negative after credits


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerRow:
    settlement: Settlement
    offset: int  # negative balance carried in from earlier files and taken off this payment
    payout: int  # what is transferred for this file (never negative)
    payment_date: dt.date

    def to_json(self) -> dict[str, Any]:
        s = self.settlement
        return {
            "traceerId": s.traceer_id,
            "factuurnummer": s.factuurnummer,
            "ontvangen": s.received.isoformat(),
            "ingediend": s.ingediend,
            "toegekend": s.toegekend,
            "verrekend": self.offset,
            "uitbetaald": self.payout,
            "betaaldatum": self.payment_date.isoformat(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Ledger:
    uzovi: str
    provider: str
    paid: int  # sum of positive file totals
    credited: int  # sum of negative file totals (a negative number)
    paid_out: int
    balance: int  # negative: what the provider still owes, offset against the next file
    rows: tuple[LedgerRow, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "uzovi": self.uzovi,
            "provider": self.provider,
            "toegekend": self.paid,
            "gecrediteerd": self.credited,
            "uitbetaald": self.paid_out,
            "saldo": self.balance,
            "regels": [row.to_json() for row in self.rows],
        }


def payment_date(received: dt.date, term_days: int) -> dt.date:
    """The last day of the policy's term, at most 30 days, counting the receipt as day one.

    VGZ (seed 000): "Wij betalen uw declaratie binnen 30 dagen. Wij houden de ontvangstdatum
    van uw declaratie aan als eerste dag": received on the 1st, paid by the 30th.
    """
    days = max(1, min(term_days, MAX_PAYMENT_DAYS))
    return received + dt.timedelta(days=days - 1)


def build_ledger(
    settlements: Iterable[Settlement], *, uzovi: str, provider: str, term_days: int
) -> Ledger:
    """Run through the files in order, carrying a negative balance into the next payment."""
    carry = 0
    rows: list[LedgerRow] = []
    for item in settlements:
        due = carry + item.toegekend
        rows.append(
            LedgerRow(
                settlement=item,
                offset=carry,
                payout=max(due, 0),
                payment_date=payment_date(item.received, term_days),
            )
        )
        carry = min(due, 0)
    totals = [row.settlement.toegekend for row in rows]
    return Ledger(
        uzovi=uzovi,
        provider=provider,
        paid=sum(t for t in totals if t > 0),
        credited=sum(t for t in totals if t < 0),
        paid_out=sum(row.payout for row in rows),
        balance=carry,
        rows=tuple(rows),
    )
