"""``vecozo-sim validate FILE... [--json]``: the technical check a vendor runs on their files.

Exit 0 when every file is clean, 1 when any has findings, 2 when a file cannot be read at all.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import vektis

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``validate`` command."""
    parser = subparsers.add_parser(
        "validate",
        help="check Vektis EI files technically and list every finding with its retourcode",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--json", action="store_true", help="print findings as a JSON list")
    parser.set_defaults(handler=_validate)


def _check(path: Path) -> list[vektis.Finding] | None:
    """The findings of one file, streamed from disk; None when it cannot be opened."""
    try:
        with path.open("rb") as stream:
            return vektis.validate(stream)
    except OSError as exc:
        print(f"{path}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        return None


def _validate(args: argparse.Namespace) -> int:
    results = {path: _check(path) for path in args.files}
    if args.json:
        found = [
            f.to_json() | ({"file": str(p)} if len(results) > 1 else {})
            for p, fs in results.items()
            for f in fs or ()
        ]
        print(json.dumps(found, indent=2, ensure_ascii=False))
    else:
        for path, findings in results.items():
            if findings is not None:
                _print_text(path, findings)
    if any(f is None for f in results.values()):
        return 2
    return 1 if any(results.values()) else 0


def _print_text(path: Path, findings: list[vektis.Finding]) -> None:
    if not findings:
        print(f"{path}: no findings")
    for finding in findings:
        print(f"{path}: {finding}")
