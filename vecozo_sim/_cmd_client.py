"""The provider's commands: submit, status, inbox, fetch, cov, explain, generate.

Thin: options in, ``provider_client`` operations, text or JSON out. Each command that talks to
the exchange finds it through ``HOME/runtime.json`` (``--url`` overrides) and presents the
certificate of ``--as ACCOUNT``. The same commands also hang under ``vecozo-sim client ...``,
the spelling the ``up`` banner prints.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import vektis
from identifiers import is_ascii_digits
from provider_client import ClientError, MessageInfo, MessageStatus
from provider_client.commands import (
    DEFAULT_ACCOUNT_RULE,
    CovResult,
    Explanation,
    GenerateRequest,
    Target,
    check_cov,
    cov_table,
    explain,
    explanation_text,
    fetch_messages,
    inbox,
    inbox_table,
    load_world_of,
    open_client,
    parse_errors,
    parse_fraction,
    parse_period,
    read_input,
    return_table,
    run_generate,
    show_status,
    status_table,
    submit_files,
    write_generated,
)
from vecozo_sim._cli_errors import CliError, iso_date
from world import DEFAULT_HOME, HomeLayout

__all__ = ["register"]

Work = Coroutine[Any, Any, int]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """The commands at the top level and again under ``client``."""
    _add_commands(subparsers)
    group = subparsers.add_parser("client", help="the provider's commands (same as top level)")
    _add_commands(group.add_subparsers(dest="client_command", metavar="COMMAND", required=True))


def _add_commands(sub: argparse._SubParsersAction[Any]) -> None:
    for add in (_add_submit, _add_status, _add_inbox, _add_fetch, _add_cov, _add_explain):
        add(sub)
    _add_generate(sub)


# --- shared options -------------------------------------------------------------------------


def _home(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--home", type=Path, default=DEFAULT_HOME, help=f"world directory (default {DEFAULT_HOME})"
    )


def _connected(
    sub: argparse._SubParsersAction[Any], name: str, help_: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
    _home(parser)
    parser.add_argument(
        "--as",
        "--account",
        dest="account",
        metavar="ACCOUNT",
        help=f"user number or account name; default: {DEFAULT_ACCOUNT_RULE}",
    )
    parser.add_argument("--url", help="the exchange's URL (default: gateway_url of runtime.json)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    return parser


def _target(args: argparse.Namespace) -> Target:
    return Target(home=args.home, account=args.account, url=args.url)


def _timeout(text: str) -> float:
    value = float(text)
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be between 0 and 3600 seconds: {text}")
    return value


def _bsn(text: str) -> str:
    """Nine digits. The elfproef is left to the exchange, which answers
    BsnVoldoetNietAanElfProef: the command can rehearse that answer."""
    if not is_ascii_digits(text, length=9):
        raise argparse.ArgumentTypeError(f"not a BSN: {text!r}; a BSN is 9 digits")
    return text


def _print_json(value: object) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _handler(work: Callable[[argparse.Namespace], Work]) -> Callable[..., int]:
    def handle(args: argparse.Namespace) -> int:
        try:
            return asyncio.run(work(args))
        except ClientError as exc:  # the library's kinds of failure are the command's
            raise CliError(str(exc), exc.exit_code) from None

    return handle


# --- submit and status ----------------------------------------------------------------------


def _add_submit(sub: argparse._SubParsersAction[Any]) -> None:
    parser = _connected(sub, "submit", "send EI declaration files; print traceerId and status")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument(
        "--wait",
        action="store_true",
        help="wait for each return file and show its lines, retourcodes and amounts "
        "(the return stays in the mailbox; `fetch --ack` takes it)",
    )
    parser.add_argument(
        "--timeout", type=_timeout, default=60.0, help="seconds to wait per return (default 60)"
    )
    parser.set_defaults(handler=_handler(_submit))


async def _submit(args: argparse.Namespace) -> int:
    async with open_client(_target(args)) as client:
        outcomes = await submit_files(client, args.files, wait=args.wait, wait_seconds=args.timeout)
    if args.json:
        _print_json([o.to_json() for o in outcomes])
    for outcome in outcomes if not args.json else ():
        receipt = outcome.receipt
        print(f"{outcome.file}: traceerId {receipt.traceer_id} status {receipt.status}")
        if outcome.summary is not None and outcome.return_info is not None:
            print(f"return {outcome.return_info.traceer_id}:")
            print(return_table(outcome.summary))
    return 7 if any(o.failed for o in outcomes) else 0


def _add_status(sub: argparse._SubParsersAction[Any]) -> None:
    parser = _connected(sub, "status", "statuses of a message and of the messages linked to it")
    parser.add_argument("id", metavar="ID", help="a traceerId or a conversatieId")
    parser.set_defaults(handler=_handler(_status))


async def _status(args: argparse.Namespace) -> int:
    async with open_client(_target(args)) as client:
        statuses = await show_status(client, args.id)
    if args.json:
        _print_json([_status_json(s) for s in statuses])
    else:
        print(status_table(statuses))
    return 0


def _status_json(status: MessageStatus) -> dict[str, object]:
    return {
        "traceerId": status.traceer_id,
        "conversatieId": status.conversatie_id,
        "alsAntwoordOp": status.als_antwoord_op,
        "berichttype": status.stream.berichttype,
        "status": status.status,
        "ontvangen": status.received_at,
        "gewijzigd": status.changed_at,
        "meldingen": [{"code": m.code, "omschrijving": m.omschrijving} for m in status.meldingen],
    }


# --- mailbox --------------------------------------------------------------------------------


def _add_inbox(sub: argparse._SubParsersAction[Any]) -> None:
    parser = _connected(sub, "inbox", "list the messages waiting in the mailbox")
    parser.set_defaults(handler=_handler(_inbox))


async def _inbox(args: argparse.Namespace) -> int:
    async with open_client(_target(args)) as client:
        messages = await inbox(client)
    if args.json:
        _print_json([_message_json(m) for m in messages])
    elif not messages:
        print("the mailbox is empty")
    else:
        print(inbox_table(messages))
    return 0


def _message_json(message: MessageInfo) -> dict[str, object]:
    return {
        "traceerId": message.traceer_id,
        "conversatieId": message.conversatie_id,
        "alsAntwoordOp": message.als_antwoord_op,
        "berichttype": message.berichttype,
        "afzender": message.afzender.to_json(),
        "ontvangen": message.received_at,
        "size": message.size,
    }


def _add_fetch(sub: argparse._SubParsersAction[Any]) -> None:
    parser = _connected(sub, "fetch", "download every waiting message, verified by size + SHA256")
    parser.add_argument("--out", type=Path, default=Path("."), help="directory (default .)")
    parser.add_argument("--ack", action="store_true", help="acknowledge each saved message")
    parser.add_argument(
        "--wait", metavar="TRACEERID", help="first wait for the return of this declaration"
    )
    parser.add_argument(
        "--timeout", type=_timeout, default=60.0, help="seconds for --wait (default 60)"
    )
    parser.set_defaults(handler=_handler(_fetch))


async def _fetch(args: argparse.Namespace) -> int:
    async with open_client(_target(args)) as client:
        fetched = await fetch_messages(
            client, args.out, ack=args.ack, wait_for=args.wait, wait_seconds=args.timeout
        )
    if args.json:
        _print_json([f.to_json() for f in fetched])
    for item in fetched if not args.json else ():
        note = " (acknowledged)" if item.acknowledged else ""
        print(f"{item.path}: {item.message.berichttype} {item.message.traceer_id}{note}")
    if not fetched and not args.json:
        print("the mailbox is empty")
    return 0


def _add_cov(sub: argparse._SubParsersAction[Any]) -> None:
    parser = _connected(sub, "cov", "controle op verzekeringsgegevens for one person")
    parser.add_argument("--bsn", type=_bsn, required=True, help="9 digits")
    parser.add_argument("--birth-date", type=iso_date, required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--date", type=iso_date, metavar="YYYY-MM-DD", help="peildatum (today)")
    parser.set_defaults(handler=_handler(_cov))


async def _cov(args: argparse.Namespace) -> int:
    async with open_client(_target(args)) as client:
        result = await check_cov(
            client, bsn=args.bsn, birth_date=args.birth_date, peildatum=args.date
        )
    if args.json:
        _print_json(_cov_json(result))
    else:
        print(cov_table(result))
    return 0


def _cov_json(result: CovResult) -> dict[str, object]:
    return {
        "bsn": result.bsn,
        "peildatum": result.peildatum.isoformat(),
        "resultaat": result.resultaat,
        "naam": result.name,
        "overleden": result.deceased,
        "verzekeringen": [
            {
                "uzovi": p.uzovi,
                "verzekerdennummer": p.verzekerdennummer,
                "soort": p.soort,
                "pakket": p.pakket,
                "ingangsdatum": p.ingangsdatum.isoformat() if p.ingangsdatum else None,
                "einddatum": p.einddatum.isoformat() if p.einddatum else None,
                "resultaat": p.resultaat,
            }
            for p in result.policies
        ],
    }


# --- offline --------------------------------------------------------------------------------


def _add_explain(sub: argparse._SubParsersAction[Any]) -> None:
    help_ = "decode an EI declaration or return file field by field (offline)"
    parser = sub.add_parser("explain", help=help_, description=help_)
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument("--all", action="store_true", help="also list empty fields")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(handler=_explain)


def _explain(args: argparse.Namespace) -> int:
    try:
        explanation = explain(read_input(args.file), show_empty=args.all)
    except ClientError as exc:
        raise CliError(str(exc), exc.exit_code) from None
    except vektis.VektisError as exc:
        raise CliError(f"{args.file}: not an EI file we know: {exc}") from None
    if args.json:
        _print_json(_explanation_json(explanation))
    else:
        print(explanation_text(explanation))
    return 1 if explanation.findings else 0


def _explanation_json(explanation: Explanation) -> dict[str, object]:
    return {
        "standard": explanation.standard,
        "records": [
            {
                "line": r.number,
                "record_type": r.record_type,
                "fields": [
                    {"number": f.number, "name": f.name, "value": f.value} for f in r.fields
                ],
            }
            for r in explanation.records
        ],
        "findings": [f.to_json() for f in explanation.findings],
    }


def _add_generate(sub: argparse._SubParsersAction[Any]) -> None:
    help_ = "make realistic declaration files from the world (offline)"
    parser = sub.add_parser("generate", help=help_, description=help_)
    _home(parser)
    parser.add_argument("--standard", help="MZ301, OS301, EP301, AW319 (default: the provider's)")
    parser.add_argument("--provider", metavar="AGB", help="the declaring provider's AGB code")
    parser.add_argument("--lines", type=int, default=10, help="prestatie lines (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="same seed, same bytes (default 1)")
    parser.add_argument("--insurer", metavar="UZOVI", help="default: one the provider contracts")
    parser.add_argument("--period", metavar="START:END", help="ISO dates; default last month")
    parser.add_argument("--errors", default="", metavar="CODE:FRACTION,...", help="e.g. 0320:0.05")
    parser.add_argument("--credits", default="", metavar="FRACTION", help="credit lines, e.g. 0.01")
    parser.add_argument("--bureau", metavar="AGB", help="submitted by this service bureau")
    parser.add_argument("-o", "--out", type=Path, required=True, metavar="FILE|DIR")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(handler=_generate)


def _generate(args: argparse.Namespace) -> int:
    try:
        request = _generate_request(args)
        files = run_generate(load_world_of(HomeLayout(root=args.home)), request)
        paths = write_generated(files, args.out)
    except ClientError as exc:
        raise CliError(str(exc), exc.exit_code) from None
    rows = [
        {"path": str(p), "standard": f.standard, "provider": f.provider, "uzovi": f.uzovi}
        | {"lines": f.lines, "expected": dict(f.expected)}
        for p, f in zip(paths, files, strict=True)
    ]
    if args.json:
        _print_json(rows)
    for row in rows if not args.json else ():
        print(
            f"{row['path']}: {row['standard']} {row['provider']} -> {row['uzovi']}, "
            f"{row['lines']} lines, expected retourcodes {row['expected'] or 'none'}"
        )
    return 0


def _generate_request(args: argparse.Namespace) -> GenerateRequest:
    return GenerateRequest(
        provider=args.provider,
        lines=args.lines,
        seed=args.seed,
        standard=args.standard.upper() if args.standard else None,
        insurer=args.insurer,
        period=parse_period(args.period) if args.period else None,
        errors=parse_errors(args.errors),
        credits=parse_fraction(args.credits, option="--credits") if args.credits else 0.0,
        bureau=args.bureau,
    )
