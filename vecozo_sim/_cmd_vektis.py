"""Sub-commands of the Vektis library: ``validate`` (filled in by the vektis work)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """No commands yet."""
