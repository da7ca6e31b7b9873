"""The payment date of the ledger: VGZ counts the receipt date as day one of its 30 days."""

from __future__ import annotations

import datetime as dt

from insurer_stub import Settlement, build_ledger, payment_date


def test_receipt_date_is_day_one_of_the_term() -> None:
    """Seed 000: "Wij betalen uw declaratie binnen 30 dagen. Wij houden de ontvangstdatum van
    uw declaratie aan als eerste dag": received 1 March, paid by 30 March."""
    assert payment_date(dt.date(2025, 3, 1), 30) == dt.date(2025, 3, 30)
    assert payment_date(dt.date(2025, 3, 1), 14) == dt.date(2025, 3, 14)
    assert payment_date(dt.date(2025, 3, 1), 90) == dt.date(2025, 3, 30)  # never past 30 days
    assert payment_date(dt.date(2025, 3, 1), 0) == dt.date(2025, 3, 1)  # same day at the soonest


def test_ledger_rows_carry_that_date() -> None:
    item = Settlement(
        traceer_id="t1",
        factuurnummer="F1",
        received=dt.date(2025, 12, 15),
        ingediend=1000,
        toegekend=1000,
    )
    ledger = build_ledger([item], uzovi="7095", provider="12050001", term_days=30)
    assert ledger.rows[0].payment_date == dt.date(2026, 1, 13)
