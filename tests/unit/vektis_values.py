"""Record values the vektis and insurer tests build MZ301 files from."""

from __future__ import annotations

import datetime as dt


def mz301_header(**changes: object) -> dict[str, object]:
    """A dentist's voorlooprecord to VGZ (7095) for May 2025, paid to the praktijk."""
    values: dict[str, object] = {
        "record_type": "01",
        "ei_code": 176,
        "version": 1,
        "subversion": 3,
        "soort_bericht": "P",
        "uzovi": "7095",
        "zorgverlenerscode": "12100001",
        "praktijkcode": "12050001",
        "betaling_aan": "03",
        "period_start": dt.date(2025, 5, 1),
        "period_end": dt.date(2025, 5, 31),
        "factuurnummer": "F1",
        "factuurdatum": dt.date(2025, 6, 10),
        "valuta": "EUR",
    }
    return values | changes
