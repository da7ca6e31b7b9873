"""The insurer's calls to the exchange, over HTTPS with its own system certificate.

Only the public HTTP interface of the gateway (docs/CONTRACTS.md) is used, exactly as a real
insurer's software would: push a return file, pull and acknowledge its mailbox, and publish its
insured population to the COV register. Transient failures (connection refused, timeouts, 5xx)
raise ExchangeUnavailableError so the caller retries; a 4xx is the caller's or the exchange's
mistake and raises ExchangeError with the problem body.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from berichten import (
    BerichtMetadata,
    PullBerichtMetadata,
    metadata_to_json,
    parse_pull_metadata_list,
)
from insurer_stub._errors import ExchangeError, ExchangeUnavailableError

__all__ = ["PULL", "PUSH", "ExchangeClient"]

PUSH = "/berichtenservice/berichten/rest-push/v1/berichten"
PULL = "/berichtenservice/berichten/rest-pull/v1/berichten"
COV_REGISTER = "/cov-register/v1/verzekerden/{uzovi}"
_TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=10)


class ExchangeClient:
    """One insurer's connection to the exchange (one aiohttp session, its own certificate)."""

    def __init__(self, base_url: str, ssl_context: ssl.SSLContext) -> None:
        self._base = base_url.rstrip("/")
        self._ssl = ssl_context
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> ExchangeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(ssl=self._ssl, limit=8)
            self._session = aiohttp.ClientSession(connector=connector, timeout=_TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def push(self, metadata: BerichtMetadata, payload: bytes) -> None:
        """POST a message (multipart ``berichtMetadata`` + ``payload``); 204 means accepted."""
        form = aiohttp.FormData()
        form.add_field(
            "berichtMetadata",
            json.dumps(metadata_to_json(metadata)),
            content_type="application/json",
        )
        form.add_field(
            "payload", payload, content_type="application/octet-stream", filename="payload.asc"
        )
        await self._call("POST", PUSH, data=form)

    async def pull(self, limit: int = 100) -> Sequence[PullBerichtMetadata]:
        """The messages waiting in this insurer's mailbox."""
        body = await self._call("GET", PULL, params={"limit": str(limit)})
        return parse_pull_metadata_list(body or b"[]")

    async def payload(self, traceer_id: str) -> bytes:
        return await self._call("GET", f"{PULL}/{traceer_id}/payload")

    async def acknowledge(self, traceer_id: str) -> None:
        """DELETE from the mailbox: the exchange may forget it (status Opgehaald/afgerond)."""
        await self._call("DELETE", f"{PULL}/{traceer_id}")

    async def publish_register(self, uzovi: str, entries: Sequence[Mapping[str, Any]]) -> None:
        """Replace this insurer's population in the exchange's COV register."""
        await self._call(
            "PUT", COV_REGISTER.format(uzovi=uzovi), json={"verzekerden": list(entries)}
        )

    async def _call(self, method: str, path: str, **kwargs: Any) -> bytes:
        try:
            async with self.session.request(method, self._base + path, **kwargs) as response:
                body = await response.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise ExchangeUnavailableError(f"{method} {path}: {exc!r}") from exc
        if response.status >= 500:
            raise ExchangeUnavailableError(
                f"{method} {path}: {response.status}", status=response.status, body=_text(body)
            )
        if response.status >= 400:
            raise ExchangeError(
                f"{method} {path}: {response.status} {_text(body)}",
                status=response.status,
                body=_text(body),
            )
        return body


def _text(body: bytes) -> str:
    return body[:2000].decode("utf-8", "replace")
