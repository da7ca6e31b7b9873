"""Stub insurers: receive declarations through the exchange, judge them, send return files back.

The pure core is :func:`adjudicate` (a declaration, the insurer's view of the world, the history
of earlier lines and the receipt date in; judgements, judged lines and the return file out) and
:func:`build_ledger`. The I/O shell is :class:`InsurerHost`, which runs every insurer of a world
in one process: it serves the push-mode insurers' receiving endpoint under mutual TLS, pulls the
mailboxes of the pull-mode ones, keeps each insurer's state in SQLite and answers through the
exchange's public HTTPS interface. :func:`create_admin_app` exposes ledgers and faults.
"""

from insurer_stub._adjudicate import Adjudication, adjudicate
from insurer_stub._admin import create_admin_app
from insurer_stub._errors import (
    ExchangeError,
    ExchangeUnavailableError,
    InsurerConfigurationError,
    InsurerStoreError,
    InsurerStubError,
)
from insurer_stub._host import InsurerHost
from insurer_stub._ledger import Ledger, LedgerRow, Settlement, build_ledger, payment_date
from insurer_stub._settings import Faults, InsurerSettings
from insurer_stub._store import read_settlements
from insurer_stub._values import (
    History,
    InsurerView,
    JudgedLine,
    LineStatus,
    MemoryHistory,
    Population,
    PriorLine,
)

__all__ = [
    "Adjudication",
    "ExchangeError",
    "ExchangeUnavailableError",
    "Faults",
    "History",
    "InsurerConfigurationError",
    "InsurerHost",
    "InsurerSettings",
    "InsurerStoreError",
    "InsurerStubError",
    "InsurerView",
    "JudgedLine",
    "Ledger",
    "LedgerRow",
    "LineStatus",
    "MemoryHistory",
    "Population",
    "PriorLine",
    "Settlement",
    "adjudicate",
    "build_ledger",
    "create_admin_app",
    "payment_date",
    "read_settlements",
]
