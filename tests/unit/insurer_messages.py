"""The push ``berichtMetadata`` a dentist sends with an MZ301 declaration, for the insurer tests."""

from __future__ import annotations

import json
import uuid

DENTIST = "12050001"


def declaration_metadata_json(uzovi: str) -> str:
    """A fresh conversatieId and traceerId on every call, so no two messages are the same."""
    return json.dumps(
        {
            "routeringgegevens": {
                "afzender": {"rol": "Praktijk", "code": DENTIST},
                "geadresseerden": [{"rol": "Zorgverzekeraar", "code": uzovi}],
                "berichtstroom": {
                    "berichttype": "MZ301",
                    "berichtversie": 1,
                    "berichtsubversie": 3,
                    "actie": "Indienen",
                },
            },
            "referentiegegevens": {
                "conversatieId": str(uuid.uuid4()),
                "traceerId": str(uuid.uuid4()),
            },
        }
    )
