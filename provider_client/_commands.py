"""What the ``vecozo-sim`` client commands do, over ``VecozoClient``; argparse lives elsewhere.

Each operation takes a ready client and plain values and returns typed results, so the command
module only parses options and prints. ``run_command`` is the one place that turns a
``ClientError`` into a line on stderr and its exit code: a user's mistake (a wrong account, no
exchange running, a revoked certificate) never shows a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import sys
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vektis
from provider_client._client import VecozoClient
from provider_client._cov import CovResult
from provider_client._errors import ClientError, ConfigurationError, MessageNotFoundError
from provider_client._explain import ReturnSummary, summarise_return
from provider_client._home import resolve_config
from provider_client._values import FAILED_STATUSES, MessageInfo, MessageStatus, PushReceipt
from provider_client._world import load_world_of
from world import Account, AccountKind, HomeLayout, OrganisationKind, Service, World

__all__ = [
    "DEFAULT_ACCOUNT_RULE",
    "FetchedFile",
    "SubmitOutcome",
    "Target",
    "check_cov",
    "default_account",
    "fetch_messages",
    "fetched_name",
    "inbox",
    "open_client",
    "read_input",
    "run_command",
    "show_status",
    "submit_files",
]

DEFAULT_ACCOUNT_RULE = (
    "the first provider system account authorised for declareren, berichten and cov (in a "
    "generated world the dentist's); software presents a system certificate, as the REST "
    "berichtenservice and COV refuse a person's (docs/COMPATIBILITY.md)"
)
_NEEDED = frozenset({Service.DECLAREREN, Service.BERICHTEN, Service.COV})


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """Where to talk and as whom: the world directory, the account, an optional URL override."""

    home: Path
    account: str | None = None
    url: str | None = None
    timeout: float = 30.0


def default_account(world: World) -> Account:
    """The account used without ``--as``: see DEFAULT_ACCOUNT_RULE for why not a person."""
    providers = [
        a
        for a in world.accounts
        if world.organisation_kind(a.organisation) is OrganisationKind.PROVIDER
        and a.kind is AccountKind.SYSTEM
    ]
    for account in providers:
        if account.services >= _NEEDED:
            return account
    if providers:
        return providers[0]
    raise ConfigurationError("the world has no provider account; pass --as ACCOUNT")


def open_client(target: Target) -> VecozoClient:
    """A client for the target's account (or the default one), certificate checked locally."""
    account = target.account
    if account is None:
        account = default_account(load_world_of(HomeLayout(root=target.home))).user_number
    config = resolve_config(target.home, account, target.url)
    return VecozoClient.from_config(config, timeout=target.timeout)


def run_command(name: str, work: Coroutine[Any, Any, int]) -> int:
    """Run one command's coroutine on its own loop; a ClientError becomes one line + exit code."""
    try:
        return asyncio.run(work)
    except ClientError as exc:
        print(f"vecozo-sim {name}: error: {exc}", file=sys.stderr)
        return exc.exit_code


def read_input(path: Path) -> bytes:
    """A file the user named; an unreadable one is their mistake, said in one line."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read: {exc.strerror or exc}") from None


# --- submit and status --------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitOutcome:
    file: Path
    receipt: PushReceipt
    return_info: MessageInfo | None = None
    summary: ReturnSummary | None = None

    @property
    def failed(self) -> bool:
        return self.receipt.status in FAILED_STATUSES

    def to_json(self) -> dict[str, object]:
        found: dict[str, object] = {
            "file": str(self.file),
            "traceerId": self.receipt.traceer_id,
            "conversatieId": self.receipt.conversatie_id,
            "berichttype": self.receipt.berichttype,
            "uzovi": self.receipt.uzovi,
            "status": self.receipt.status,
        }
        if self.return_info is not None:
            found["return"] = {"traceerId": self.return_info.traceer_id}
        if self.summary is not None:
            found["summary"] = self.summary.to_json()
        return found


async def submit_files(
    client: VecozoClient, files: Sequence[Path], *, wait: bool, wait_seconds: float
) -> list[SubmitOutcome]:
    """Every file is read before the first is sent, so a typo in the last sends nothing."""
    payloads = [(path, read_input(path)) for path in files]
    outcomes = []
    for path, data in payloads:
        receipt = await client.submit(data, filename=path.name)
        outcome = SubmitOutcome(file=path, receipt=receipt)
        if wait:  # a refused file raises DeclarationRejectedError with its meldingen
            info, returned = await client.fetch_return(receipt.traceer_id, wait_seconds)
            outcome = SubmitOutcome(
                file=path, receipt=receipt, return_info=info, summary=_summary(returned, info)
            )
        outcomes.append(outcome)
    return outcomes


def _summary(data: bytes, info: MessageInfo) -> ReturnSummary:
    try:
        return summarise_return(data)
    except vektis.VektisError as exc:
        raise ConfigurationError(
            f"return {info.traceer_id} is not a readable file: {exc}"
        ) from None


async def show_status(client: VecozoClient, ident: str) -> tuple[MessageStatus, ...]:
    """``ident`` may be a traceerId or a conversatieId; the exchange answers an empty list (the
    v3 document; older versions of the simulator: 404) for the wrong kind, so the second
    question is only asked when the first finds nothing. Nothing at all is MessageNotFoundError: for
    the command an unknown (or someone else's) message is an error, as it always was."""
    for question in ({"traceer_id": ident}, {"conversatie_id": ident}):
        try:
            found = await client.status(**question)
        except MessageNotFoundError:
            found = ()
        if found:
            return found
    raise MessageNotFoundError(status=404, title="Not Found", detail=f"geen berichten voor {ident}")


# --- mailbox ------------------------------------------------------------------------------


async def inbox(client: VecozoClient) -> tuple[MessageInfo, ...]:
    try:
        return await client.list_messages()
    except MessageNotFoundError:  # an empty mailbox is an answer, not an error
        return ()


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchedFile:
    message: MessageInfo
    path: Path
    acknowledged: bool

    def to_json(self) -> dict[str, object]:
        return {
            "traceerId": self.message.traceer_id,
            "berichttype": self.message.berichttype,
            "path": str(self.path),
            "size": self.message.size,
            "acknowledged": self.acknowledged,
        }


def fetched_name(message: MessageInfo, today: dt.date) -> str:
    """``<YYYYMMDD>_<berichttype>_<traceerId>.asc``: sorts by day, says what it is, unique."""
    day = today
    if message.received_at:
        with contextlib.suppress(ValueError):  # an odd timestamp still gets a name
            day = dt.datetime.fromisoformat(message.received_at.replace("Z", "+00:00")).date()
    kind = "".join(c for c in message.berichttype if c.isalnum()) or "bericht"
    return f"{day:%Y%m%d}_{kind}_{message.traceer_id}.asc"


async def fetch_messages(
    client: VecozoClient, out: Path, *, ack: bool, wait_for: str | None, wait_seconds: float
) -> list[FetchedFile]:
    """Download (size and SHA256 checked by the client), save durably, then acknowledge."""
    if wait_for is not None:
        await client.wait_for_return(wait_for, wait_seconds)
    fetched = []
    for message in await inbox(client):
        data = await client.download(message)
        path = out / fetched_name(message, dt.date.today())
        _write_durably(path, data)
        if ack:
            await client.acknowledge(message.traceer_id)
        fetched.append(FetchedFile(message=message, path=path, acknowledged=ack))
    return fetched


def _write_durably(path: Path, data: bytes) -> None:
    """Written, synced and renamed before the acknowledgement: the exchange then forgets it."""
    partial = path.with_suffix(".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("wb") as sink:
            sink.write(data)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(partial, path)
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot write: {exc.strerror or exc}") from None


async def check_cov(
    client: VecozoClient, *, bsn: str, birth_date: dt.date, peildatum: dt.date | None
) -> CovResult:
    return await client.cov(bsn=bsn, birth_date=birth_date, peildatum=peildatum)
