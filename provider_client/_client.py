"""VecozoClient: the async client a provider's or service bureau's software uses.

It composes the pure protocol (``_protocol``) with a transport. Everything that decides what to
send or what an answer means lives in the pure layer; this class sequences calls, remembers the
last listing (to verify downloads against it) and polls for return files within a deadline.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

from provider_client import _protocol as proto
from provider_client._cov import CovResult, cov_envelope, read_cov_result
from provider_client._envelope import declaration_envelope
from provider_client._errors import DeclarationRejectedError, ReturnTimeoutError
from provider_client._home import ClientConfig, resolve_config
from provider_client._transport import AiohttpTransport, Transport
from provider_client._values import MessageInfo, MessageStatus, PushReceipt

__all__ = ["VecozoClient"]


def _new_id() -> str:
    return str(uuid.uuid4())


class VecozoClient:
    """Push, pull, status, COV and return-file waiting against one exchange, one identity."""

    def __init__(
        self,
        transport: Transport,
        *,
        new_id: Callable[[], str] = _new_id,
        agb: str | None = None,
    ) -> None:
        self.transport = transport
        self._new_id = new_id
        self._agb = agb  # the organisation's AGB, sent as Zorgaanbieder in COV requests
        self._listing: dict[str, MessageInfo] = {}

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def create(
        cls, base_url: str, *, cert: Path, key: Path | None, ca: Path, timeout: float = 30.0
    ) -> Self:
        """A client presenting ``cert``/``key`` and trusting only the exchange's CA ``ca``."""
        config = ClientConfig(base_url=base_url, cert=cert, key=key, ca=ca)
        return cls.from_config(config, timeout=timeout)

    @classmethod
    def from_home(
        cls,
        home: Path,
        *,
        account: str,
        base_url: str | None = None,
        timeout: float = 30.0,
    ) -> Self:
        """A client for an account of a world directory, by user number or by name."""
        return cls.from_config(resolve_config(home, account, base_url), timeout=timeout)

    @classmethod
    def from_config(cls, config: ClientConfig, *, timeout: float = 30.0) -> Self:
        transport = AiohttpTransport(
            config.base_url, ssl_context=config.ssl_context(), timeout=timeout
        )
        return cls(transport, agb=config.agb)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self.transport.close()

    # --- push and status ----------------------------------------------------------------------

    async def push(
        self,
        payload: bytes,
        *,
        filename: str = "declaratie.asc",
        referentie_id: str | None = None,
        conversatie_id: str | None = None,
    ) -> PushReceipt:
        """Send one EI declaration; the metadata comes from its voorlooprecord."""
        envelope = declaration_envelope(
            payload,
            traceer_id=self._new_id(),
            conversatie_id=conversatie_id or self._new_id(),
            referentie_id=referentie_id,
        )
        boundary = f"vecozo-sim-{uuid.uuid4().hex}"
        request = proto.push_request(
            envelope.to_metadata(), payload, filename=filename, boundary=boundary
        )
        proto.read_pushed(await self.transport.send(request))
        return PushReceipt(
            traceer_id=envelope.traceer_id,
            conversatie_id=envelope.conversatie_id,
            berichttype=envelope.stream.berichttype,
            uzovi=envelope.uzovi,
        )

    async def submit(self, payload: bytes, **kwargs: str) -> PushReceipt:
        """Push, then ask the status once, so the receipt says where the message stands."""
        receipt = await self.push(payload, **kwargs)
        statuses = await self.status(traceer_id=receipt.traceer_id)
        own = [s for s in statuses if s.traceer_id == receipt.traceer_id]
        status = own[-1].status if own else None
        return PushReceipt(
            traceer_id=receipt.traceer_id,
            conversatie_id=receipt.conversatie_id,
            berichttype=receipt.berichttype,
            uzovi=receipt.uzovi,
            status=status,
        )

    async def status(
        self, *, traceer_id: str | None = None, conversatie_id: str | None = None
    ) -> tuple[MessageStatus, ...]:
        request = proto.status_request(traceer_id=traceer_id, conversatie_id=conversatie_id)
        return proto.read_statuses(await self.transport.send(request))

    # --- mailbox ------------------------------------------------------------------------------

    async def list_messages(self, *, limit: int | None = None) -> tuple[MessageInfo, ...]:
        found = proto.read_listing(await self.transport.send(proto.list_request(limit=limit)))
        self._remember(found)
        return found

    async def search(
        self,
        *,
        als_antwoord_op: str | None = None,
        conversatie_id: str | None = None,
        berichttype: str | None = None,
        limit: int | None = None,
    ) -> tuple[MessageInfo, ...]:
        """Search the mailbox by exactly one zoekpad: answer-to, conversation or stream."""
        zoekpad = _zoekpad(als_antwoord_op, conversatie_id, berichttype)
        request = proto.search_request(zoekpad, limit=limit)
        found = proto.read_listing(await self.transport.send(request))
        self._remember(found)
        return found

    async def download(self, message: MessageInfo | str) -> bytes:
        """The payload, verified against the size and SHA256 its listing announced."""
        info = message if isinstance(message, MessageInfo) else self._listing.get(message)
        if info is None:
            info = {m.traceer_id: m for m in await self.list_messages()}.get(str(message))
        traceer_id = message.traceer_id if isinstance(message, MessageInfo) else message
        response = await self.transport.send(proto.payload_request(traceer_id))
        return proto.read_payload(response, info)

    async def acknowledge(self, traceer_id: str) -> None:
        """Tell the exchange the message is safely received; it leaves the mailbox."""
        proto.read_acknowledged(await self.transport.send(proto.acknowledge_request(traceer_id)))
        self._listing.pop(traceer_id, None)

    async def wait_for_return(
        self,
        traceer_id: str,
        timeout: float = 30.0,  # noqa: ASYNC109  (a deadline for polling, not one request)
        *,
        poll: float = 0.05,
    ) -> MessageInfo:
        """Poll the mailbox until the message answering ``traceer_id`` is there, or time out.

        The status is consulted on the way so a file the exchange refused fails at once with
        its meldingen instead of waiting out the deadline.
        """
        deadline = time.monotonic() + timeout
        interval = poll
        while True:
            found = await self.search(als_antwoord_op=traceer_id)
            answers = [m for m in found if m.als_antwoord_op == traceer_id]
            if answers:
                return answers[0]
            await self._raise_if_refused(traceer_id)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReturnTimeoutError(traceer_id, timeout)
            await asyncio.sleep(min(interval, remaining))
            interval = min(interval * 1.5, 1.0)

    async def fetch_return(
        self,
        traceer_id: str,
        timeout: float = 30.0,  # noqa: ASYNC109
    ) -> tuple[MessageInfo, bytes]:
        info = await self.wait_for_return(traceer_id, timeout)
        return info, await self.download(info)

    # --- COV ----------------------------------------------------------------------------------

    async def cov(
        self, *, bsn: str, birth_date: dt.date, peildatum: dt.date | None = None
    ) -> CovResult:
        """Controle op verzekeringsgegevens for one person (SOAP VZ801/802, one zoekopdracht)."""
        day = peildatum or dt.date.today()
        envelope = cov_envelope(bsn=bsn, birth_date=birth_date, peildatum=day, agb=self._agb)
        response = await self.transport.send(proto.cov_request(envelope))
        return read_cov_result(proto.read_cov(response), bsn=bsn, peildatum=day)

    # --- helpers ------------------------------------------------------------------------------

    def _remember(self, found: tuple[MessageInfo, ...]) -> None:
        self._listing.update((m.traceer_id, m) for m in found)

    async def _raise_if_refused(self, traceer_id: str) -> None:
        statuses = await self.status(traceer_id=traceer_id)
        for status in statuses:
            if status.traceer_id == traceer_id and status.status == "AfgekeurdDoorDienst":
                meldingen = [(m.code, m.omschrijving) for m in status.meldingen]
                raise DeclarationRejectedError(traceer_id, meldingen)


def _zoekpad(
    als_antwoord_op: str | None, conversatie_id: str | None, berichttype: str | None
) -> dict[str, str]:
    given = [v for v in (als_antwoord_op, conversatie_id, berichttype) if v is not None]
    if len(given) != 1:
        raise ValueError("search by exactly one of als_antwoord_op, conversatie_id, berichttype")
    if als_antwoord_op is not None:
        return {"zoekpadType": "ZoekpadOpAlsAntwoordOp", "alsAntwoordOp": als_antwoord_op}
    if conversatie_id is not None:
        return {"zoekpadType": "ZoekpadOpConversatieId", "conversatieId": conversatie_id}
    return {"zoekpadType": "ZoekpadOpBerichtstroom", "berichttype": str(berichttype)}
