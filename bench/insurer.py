"""Benchmark of the stub insurers: adjudication speed, and files through exchange and insurer.

1. Adjudication of one 100,000-line MZ301 file with a realistic error mix (about 1 line in 12
   rejected: unknown insured, unknown code, too late, above tariff, duplicates), against the
   same-run reference of parsing that file (``vektis.parse_file``); reports lines/s and the
   ratio adjudicate/parse (``--runs N``: N rounds in one process, medians; the return file's
   size and hash show that a change left the output alone).
2. End to end (``--e2e``): 100 files of 1,000 lines pushed by one dentist through a real
   ``gateway.Gateway`` to a push-mode insurer, until every return file is in the mailbox.

Prints one JSON object on the last line.
Usage: ``.venv/bin/python bench/insurer.py [--runs N] [--e2e]``
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import random
import shutil
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

# bench/ holds scripts named like packages (bench/gateway.py): keep it off the import path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from certs import client_ssl_context  # noqa: E402
from gateway import Gateway, GatewaySettings, RetrySchedule  # noqa: E402
from insurer_stub import (  # noqa: E402
    InsurerHost,
    InsurerSettings,
    InsurerView,
    MemoryHistory,
    adjudicate,
)
from vecozo_sim import issue_certificates  # noqa: E402
from vektis import get_standard, parse_file, render_file  # noqa: E402
from world import AccountKind, HomeLayout, World, generate_world, save_world  # noqa: E402

TODAY = dt.date.today()
DENTIST, DENTIST_AGB, UZOVI = "12050001", "12100001", "7095"
CODES = {"C11": 2458, "C13": 2458, "M03": 1229, "V91": 5652, "X10": 1716}
PUSH = "/berichtenservice/berichten/rest-push/v1/berichten"
PULL = "/berichtenservice/berichten/rest-pull/v1/berichten"


def _patients(world: World, count: int, rng: random.Random) -> list[Any]:
    """Persons with dental cover at UZOVI over the whole period, as a dentist's patients are."""
    policy = world.insurer(UZOVI).policy  # type: ignore[union-attr]
    since = TODAY - dt.timedelta(days=200)

    def dental(person: Any) -> bool:
        packages = {c.package for c in person.coverages if c.uzovi == UZOVI
                    and c.is_active_on(since) and c.is_active_on(TODAY)}  # fmt: skip
        return any(set(CODES) <= policy.coverage.get(p, frozenset()) for p in packages)

    people = [
        p for p in world.persons_at(UZOVI)
        if p.bsn[:4] != "9999" and not p.wlz and p.deceased is None and dental(p)
    ]  # fmt: skip
    return rng.sample(people, min(count, len(people)))


def _line(person: Any, ident: int, ref: str, rng: random.Random) -> dict[str, object]:
    code = rng.choice(list(CODES))
    day = TODAY - dt.timedelta(days=rng.randint(1, 200))
    cents = CODES[code]
    roll = rng.random()
    if roll < 0.02:
        code = "Q99"  # unknown code: 0582
    elif roll < 0.04:
        day = TODAY - dt.timedelta(days=400)  # too late: 0586
    elif roll < 0.06:
        cents += 500  # above the contracted tariff: 0611
    return {
        "record_type": "04", "id": ident, "bsn": person.bsn, "uzovi": UZOVI,
        "date_of_service": day, "prestatiecodelijst": "010", "prestatiecode": code,
        "tarief": cents, "aantal": 1, "berekend_bedrag": cents, "declaratiebedrag": cents,
        "referentie": ref, "0407": "1", "0409": "01", "0410": "N",
    }  # fmt: skip


def _insured(person: Any, ident: int, rng: random.Random) -> dict[str, object]:
    bsn = person.bsn if rng.random() > 0.01 else "123456782"  # unknown insured: 0320
    return {
        "record_type": "02", "id": ident, "bsn": bsn, "uzovi": UZOVI,
        "birth_date": person.birth_date, "sex": person.sex, "surname": person.surname[:25],
        "initials": "A", "house_number": 1, "overleden": "2", "0209": "1",
    }  # fmt: skip


def make_file(world: World, lines: int, *, seed: int, number: str) -> bytes:
    """``lines`` prestaties, five per insured person; about 1% duplicates of earlier lines."""
    rng = random.Random(seed)
    patients = _patients(world, lines // 5 + 1, rng)
    records: list[dict[str, object]] = [_header(number)]
    total, ident = 0, 0
    for n in range(lines):
        if n % 5 == 0:
            ident += 1
            person = patients[(n // 5) % len(patients)]
            records.append(_insured(person, ident, rng))
        ident += 1
        ref = f"{number}-{n}" if rng.random() > 0.01 else f"{number}-{max(n - 1, 0)}"
        record = _line(person, ident, ref, rng)
        if record["bsn"] != records[-1]["bsn"] and records[-1]["record_type"] == "02":
            record["bsn"] = records[-1]["bsn"]
        records.append(record)
        total += int(record["declaratiebedrag"])  # type: ignore[call-overload]
    for record in records[1:]:  # an 04 carries the BSN of the 02 above it
        if record["record_type"] == "02":
            bsn = record["bsn"]
        else:
            record["bsn"] = bsn
    records.append({
        "record_type": "99", "aantal_verzekerden": ident - lines, "aantal_prestaties": lines,
        "aantal_detail": ident, "totaal_declaratiebedrag": total,
    })  # fmt: skip
    return render_file(get_standard("MZ301"), records)


def _header(number: str) -> dict[str, object]:
    return {
        "record_type": "01", "ei_code": 176, "version": 1, "subversion": 3, "soort_bericht": "P",
        "uzovi": UZOVI, "zorgverlenerscode": DENTIST_AGB, "praktijkcode": DENTIST,
        "betaling_aan": "03", "period_start": TODAY - dt.timedelta(days=400),
        "period_end": TODAY, "factuurnummer": number, "factuurdatum": TODAY, "valuta": "EUR",
    }  # fmt: skip


def bench_adjudication(world: World, lines: int, runs: int = 1) -> dict[str, Any]:
    """``runs`` rounds of parse then adjudicate of the same bytes (fresh history each round);
    the figures are medians, the ratio the median of the per-round ratios."""
    data = make_file(world, lines, seed=7, number="BENCH1")
    view = InsurerView.from_world(world, UZOVI)
    parse_times, judge_times, ratios = [], [], []
    for _ in range(max(runs, 1)):
        start = time.perf_counter()
        declaration = parse_file(data)
        parse_s = time.perf_counter() - start
        start = time.perf_counter()
        result = adjudicate(declaration, insurer=view, history=MemoryHistory(), today=TODAY)
        judge_s = time.perf_counter() - start
        parse_times.append(parse_s)
        judge_times.append(judge_s)
        ratios.append(judge_s / parse_s)
        del declaration
    parse_s, judge_s = statistics.median(parse_times), statistics.median(judge_times)
    rejected = sum(1 for line in result.lines if line.status.value == "rejected")
    return {
        "lines": lines,
        "runs": len(judge_times),
        "parse_seconds": round(parse_s, 3),
        "adjudicate_seconds": round(judge_s, 3),
        "adjudicate_seconds_each": [round(t, 3) for t in judge_times],
        "adjudicate_lines_per_s": round(lines / judge_s),
        "adjudicate_lines_per_s_best": round(lines / min(judge_times)),
        "parse_lines_per_s": round(lines / parse_s),
        "ratio_adjudicate_to_parse": round(statistics.median(ratios), 2),
        "rejected_share": round(rejected / lines, 3),
        "return_bytes": len(result.return_file),
        "return_sha256": hashlib.sha256(result.return_file).hexdigest()[:16],
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def bench_e2e(world: World, layout: HomeLayout, files: int, lines: int) -> dict[str, Any]:
    port = _free_port()
    host = InsurerHost(InsurerSettings(layout=layout, gateway_url=f"https://127.0.0.1:{port}",
                                       world=world, uzovis=frozenset({UZOVI})))  # fmt: skip
    gateway = Gateway(
        GatewaySettings(layout=layout, port=port, push_endpoints=await host.listen(),
                        retry=RetrySchedule(attempts=5, first_delay=0.1, max_delay=1.0),
                        worker_interval=0.02, max_payload_bytes=64 * 1024 * 1024),
        world=world,
    )  # fmt: skip
    await gateway.start()
    await host.start()
    payloads = [make_file(world, lines, seed=n, number=f"E{n}") for n in range(files)]
    account = next(a for a in world.accounts_of(DENTIST) if a.kind is AccountKind.SYSTEM)
    context = client_ssl_context(ca=layout.ca_cert, cert=layout.account_cert(account.user_number),
                                 key=layout.account_key(account.user_number))  # fmt: skip
    try:
        start = time.perf_counter()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session:
            await _submit_all(session, gateway.url, payloads)
            received = await _collect(session, gateway.url, files)
        seconds = time.perf_counter() - start
    finally:
        await host.stop()
        await gateway.stop()
    return {"files": files, "lines_per_file": lines, "returns": received,
            "e2e_seconds": round(seconds, 2)}  # fmt: skip


async def _submit_all(session: aiohttp.ClientSession, base: str, payloads: list[bytes]) -> None:
    gate = asyncio.Semaphore(8)

    async def one(payload: bytes) -> None:
        meta = {
            "routeringgegevens": {
                "afzender": {"rol": "Praktijk", "code": DENTIST},
                "geadresseerden": [{"rol": "Zorgverzekeraar", "code": UZOVI}],
                "berichtstroom": {"berichttype": "MZ301", "berichtversie": 1,
                                  "berichtsubversie": 3, "actie": "Indienen"},
            },
            "referentiegegevens": {"conversatieId": str(uuid.uuid4()),
                                   "traceerId": str(uuid.uuid4())},
        }  # fmt: skip
        form = aiohttp.FormData()
        form.add_field("berichtMetadata", json.dumps(meta), content_type="application/json")
        form.add_field("payload", payload, filename="d.asc", content_type="text/plain")
        async with gate, session.post(base + PUSH, data=form) as response:
            assert response.status == 204, await response.text()

    await asyncio.gather(*(one(p) for p in payloads))


async def _collect(session: aiohttp.ClientSession, base: str, files: int) -> int:
    """Pull and acknowledge return files until all arrived (at most 120 s)."""
    seen = 0
    async with asyncio.timeout(120):
        while seen < files:
            async with session.get(base + PULL, params={"limit": "100"}) as response:
                items = await response.json()
            for item in items:
                traceer = item["referentiegegevens"]["traceerId"]
                async with session.get(f"{base}{PULL}/{traceer}/payload") as response:
                    await response.read()
                async with session.delete(f"{base}{PULL}/{traceer}"):
                    seen += 1
            if seen < files:
                await asyncio.sleep(0.05)
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument(
        "--runs", type=int, default=1, help="rounds of parse + adjudicate (medians reported)"
    )
    parser.add_argument(
        "--e2e", action="store_true", help="also run 100 files through the exchange"
    )
    args = parser.parse_args()
    world = generate_world(seed=1, persons=10_000)
    figures: dict[str, Any] = {
        "bench": "insurer",
        **bench_adjudication(world, args.lines, args.runs),
    }
    if args.e2e:
        with tempfile.TemporaryDirectory() as tmp:
            layout = HomeLayout(root=Path(tmp))
            save_world(world, layout)
            issue_certificates(world, layout)
            figures |= asyncio.run(bench_e2e(world, layout, 100, 1_000))
            shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
