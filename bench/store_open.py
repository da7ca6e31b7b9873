"""Benchmark of opening the gateway store with its start-up checks (``world.StoreGuard``).

A store is filled once with ``--messages`` message rows (each with a ~1 KB metadata document,
its history row and a journal row) and a 10,000-entry COV register, in a temporary directory.
Then, alternating, each run times:

(a) ``Store.open`` as the gateway does it: marker read, pragmas and schema, ``PRAGMA
    quick_check``, the open token committed and the marker rewritten (two fsynced writes);
(b) as the same-run reference, the open without the guard: ``sqlite3.connect``, the same
    pragmas and schema transaction (what ``Store.open`` did before the checks);
and, on its own, ``PRAGMA quick_check`` over the filled store; and nine new insurer stores
(a first start) guarded with ``synchronous=FULL``, against the same made as before (NORMAL,
no guard).

    .venv/bin/python bench/store_open.py [--messages 10000] [--runs 7]

The last line printed is one JSON object of medians (milliseconds) and the ratio (a)/(b).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

# bench/ holds scripts named like packages (bench/world.py): keep it off the import path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import gateway._store as gateway_store  # noqa: E402
import insurer_stub._store as insurer_store  # noqa: E402
from gateway import Store  # noqa: E402
from insurer_stub._store import InsurerStore  # noqa: E402
from world import HomeLayout  # noqa: E402

_METADATA = json.dumps({"routeringgegevens": {"x": "y" * 900}, "referentiegegevens": {}})


def fill(layout: HomeLayout, messages: int) -> None:
    store = asyncio.run(Store.open(layout.gateway_dir, marker=layout.store_marker("gateway")))
    asyncio.run(store.replace_cov("7095", [f"{i:09d}" + "e" * 150 for i in range(10_000)]))
    asyncio.run(store.close())
    db = sqlite3.connect(layout.gateway_dir / "exchange.sqlite3")
    with db:
        for i in range(messages):
            tid = str(uuid.uuid4())
            db.execute(
                "INSERT INTO messages (traceer_id, conversatie_id, kind, indiener,"
                " indiener_account, afzender, addressee, metadata, payload_file, size, sha256,"
                " received_at, status, status_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (tid, tid, "declaration", "12050001", "1", "12050001", "7095", _METADATA,
                 f"{tid}.bin", 1000, "0" * 64, "2025-01-01", "Bezorgd", "2025-01-01"),
            )  # fmt: skip
            db.execute(
                "INSERT INTO status_history (traceer_id, status, at) VALUES (?,?,?)",
                (tid, "Bezorgd", f"2025-01-01T00:00:{i % 60:02d}"),
            )
            db.execute(
                "INSERT INTO journal (at, method, route, status, outcome, traceer_id)"
                " VALUES (?,?,?,?,?,?)",
                ("2025-01-01", "POST", "push", 204, "ok", tid),
            )
    db.close()


def guarded_open(layout: HomeLayout) -> float:
    started = time.perf_counter()
    store = asyncio.run(Store.open(layout.gateway_dir, marker=layout.store_marker("gateway")))
    seconds = time.perf_counter() - started
    asyncio.run(store.close())
    return seconds


def plain_open(layout: HomeLayout) -> float:
    started = time.perf_counter()
    db = sqlite3.connect(layout.gateway_dir / "exchange.sqlite3", check_same_thread=False)
    gateway_store._pragmas(db)
    db.executescript(f"BEGIN IMMEDIATE;{gateway_store._SCHEMA}COMMIT;")
    gateway_store._migrate(db)
    seconds = time.perf_counter() - started
    db.close()
    return seconds


def new_insurer_stores(directory: Path, *, guarded: bool) -> float:
    """Nine new insurer stores, as a first start makes them: guarded (marker, FULL) or as before
    (``synchronous=NORMAL``, no guard)."""
    directory.mkdir(parents=True)
    started = time.perf_counter()
    for uzovi in range(9):
        path = directory / f"{uzovi}.sqlite"
        if guarded:
            InsurerStore(path, marker=directory / "markers" / f"{uzovi}.json").close()
            continue
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(f"BEGIN IMMEDIATE;{insurer_store._SCHEMA}COMMIT;")
        db.close()
    return time.perf_counter() - started


def quick_check(layout: HomeLayout) -> float:
    db = sqlite3.connect(layout.gateway_dir / "exchange.sqlite3")
    started = time.perf_counter()
    assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    seconds = time.perf_counter() - started
    db.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        layout = HomeLayout(root=Path(tmp) / "home")
        fill(layout, args.messages)
        size = (layout.gateway_dir / "exchange.sqlite3").stat().st_size
        guarded, plain, checks, insurers, insurers_plain = [], [], [], [], []
        for run in range(args.runs):
            guarded.append(guarded_open(layout))
            plain.append(plain_open(layout))
            checks.append(quick_check(layout))
            insurers.append(new_insurer_stores(Path(tmp) / f"g{run}", guarded=True))
            insurers_plain.append(new_insurer_stores(Path(tmp) / f"p{run}", guarded=False))
    result = {
        "messages": args.messages,
        "store_mb": round(size / 1e6, 1),
        "runs": args.runs,
        "guarded_open_ms": round(statistics.median(guarded) * 1000, 1),
        "plain_open_ms": round(statistics.median(plain) * 1000, 1),
        "quick_check_ms": round(statistics.median(checks) * 1000, 1),
        "ratio_guarded_to_plain": round(statistics.median(guarded) / statistics.median(plain), 2),
        "nine_new_insurer_stores_ms": round(statistics.median(insurers) * 1000, 1),
        "nine_new_insurer_stores_before_ms": round(statistics.median(insurers_plain) * 1000, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
