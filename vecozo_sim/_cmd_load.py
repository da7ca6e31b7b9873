"""``vecozo-sim load``: steady declaration traffic from several accounts, then a summary.

The work is done by ``provider_client``'s load driver (pure schedule and statistics in
``_load``, I/O in ``_load_run``); this module parses the command line, shows a progress bar on a
terminal, turns Ctrl-C into a clean stop (no more sends, in-flight pushes finish, the summary
is printed) and renders the summary as rich tables or, with ``--json``, one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import vektis
from provider_client import ClientError, LoadError, LoadPlan, run_load
from provider_client.commands import (
    Percentiles,
    Summary,
    parse_accounts,
    parse_duration,
    parse_rate,
)
from vecozo_sim._cli_errors import CliError
from world import DEFAULT_HOME

__all__ = ["plan_from_args", "register", "render_summary"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    load = subparsers.add_parser(
        "load",
        help="send generated declarations at a steady rate and summarise the answers",
        description="Send generated declarations from several accounts at a steady rate, wait "
        "(bounded) for the return files and print sent/accepted/refused/returns, the "
        "retourcodes seen and latency percentiles. Ctrl-C stops sending and prints the summary.",
    )
    load.add_argument("--accounts", required=True, help="A,B: user numbers, names or AGB codes")
    load.add_argument("--rate", default="5/s", help="sends per second over all accounts (20/s)")
    load.add_argument("--duration", default="10s", help="how long to send (60s, 2m)")
    load.add_argument("--lines", type=int, default=100, help="prestaties per file")
    load.add_argument("--max-requests", type=int, default=None, help="at most this many sends")
    load.add_argument("--drain", default="30s", help="longest wait for returns after sending")
    load.add_argument("--home", type=Path, default=DEFAULT_HOME, help="world directory")
    load.add_argument("--url", default=None, help="exchange URL (default: from runtime.json)")
    load.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of the generated files (default: a new one per run, since resending the "
        "same prestaties draws 0587 from the insurers); the summary names it",
    )
    load.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    load.set_defaults(handler=run)


def plan_from_args(args: argparse.Namespace) -> LoadPlan:
    """The plan, or LoadError naming the option that is wrong."""
    if args.lines < 1:
        raise LoadError(f"--lines: {args.lines}; a declaration has at least one line")
    if args.max_requests is not None and args.max_requests < 1:
        raise LoadError(f"--max-requests: {args.max_requests}; send at least one")
    return LoadPlan(
        accounts=parse_accounts(args.accounts),
        rate=parse_rate(args.rate),
        duration=_duration("--duration", args.duration),
        lines=args.lines,
        max_requests=args.max_requests,
        seed=args.seed if args.seed is not None else random.SystemRandom().randrange(2**31),
        drain=_duration("--drain", args.drain),
    )


def _duration(option: str, text: str) -> float:
    try:
        return parse_duration(text)
    except LoadError as exc:
        raise LoadError(f"{option}: {exc}") from None


def run(args: argparse.Namespace) -> int:
    console = Console()
    try:
        plan = plan_from_args(args)
        summary = asyncio.run(_main(plan, args, console))
    except ClientError as exc:
        raise CliError(str(exc), exc.exit_code) from None
    if args.json:
        print(json.dumps(summary.to_json() | {"seed": plan.seed}))
    else:
        render_summary(console, summary)
        console.print(f"seed {plan.seed} (repeat these files with --seed {plan.seed})")
    return 130 if summary.interrupted else 0  # the shell's code for a Ctrl-C


async def _main(plan: LoadPlan, args: argparse.Namespace, console: Console) -> Summary:
    stop, hurry = asyncio.Event(), asyncio.Event()
    show = console.is_terminal and not args.json
    with (
        _ctrl_c(stop, hurry, console, plan.drain),
        _progress(console, plan.count(), show) as notify,
    ):
        return await run_load(
            plan, home=args.home, base_url=args.url, notify=notify, stop=stop, hurry=hurry
        )


@contextmanager
def _ctrl_c(
    stop: asyncio.Event, hurry: asyncio.Event, console: Console, drain: float
) -> Iterator[None]:
    """The first Ctrl-C stops sending, the second the wait for returns; a summary follows."""

    def interrupted() -> None:
        if stop.is_set():
            hurry.set()
            return
        stop.set()
        message = f"stopping: waiting up to {drain:g} s for returns (Ctrl-C again to skip)"
        Console(stderr=True).print(message, style="yellow")

    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, interrupted)
    except (NotImplementedError, RuntimeError):  # not the main thread, or no signals here
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)


@contextmanager
def _progress(console: Console, planned: int, show: bool) -> Iterator[Callable[[str], None]]:
    if not show:
        yield lambda _kind: None
        return
    columns = (TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as progress:
        sent = progress.add_task("sent", total=planned)
        returned = progress.add_task("returns", total=None)

        def notify(kind: str) -> None:
            if kind == "sent":
                progress.advance(sent)
                progress.update(returned, total=progress.tasks[sent].completed)
            else:
                progress.advance(returned)

        yield notify


def render_summary(console: Console, summary: Summary) -> None:
    """Totals, latencies, retourcodes and refusals as tables."""
    totals = Table(title="load run" + (" (interrupted)" if summary.interrupted else ""))
    totals.add_column("measure")
    totals.add_column("value", justify="right")
    for name, value in (
        ("planned", summary.planned),
        ("sent", summary.sent),
        ("accepted", summary.accepted),
        ("refused", summary.refused),
        ("returns received", summary.returns),
        ("no return (drain ended)", summary.missing_returns),
        ("elapsed", f"{summary.elapsed:.1f} s"),
        ("achieved send rate", "-" if summary.rate is None else f"{summary.rate:.1f}/s"),
    ):
        totals.add_row(name, str(value))
    console.print(totals)
    console.print(_latency_table(summary.push, summary.returned))
    if summary.codes:
        console.print(_codes_table("retourcodes in the returns", summary.codes, meaning=True))
    if summary.refusals:
        console.print(_codes_table("refused sends", summary.refusals, meaning=False))


def _latency_table(push: Percentiles, returned: Percentiles) -> Table:
    table = Table(title="latency (ms)")
    for column in ("", "p50", "p95", "p99"):
        table.add_column(column, justify="right" if column else "left")
    for name, values in (("push", push), ("return arrival", returned)):
        cells = [_ms(v) for v in (values.p50, values.p95, values.p99)]
        table.add_row(name, *cells)
    return table


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def _codes_table(title: str, counts: dict[str, int] | Any, *, meaning: bool) -> Table:
    table = Table(title=title)
    table.add_column("code")
    table.add_column("count", justify="right")
    if meaning:
        table.add_column("meaning")
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        known = vektis.retourcode(code) if meaning else None
        extra = [known.meaning if known else ""] if meaning else []
        table.add_row(code, str(count), *extra)
    return table
