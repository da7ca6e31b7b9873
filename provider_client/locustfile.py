"""Locust load test of a running vecozo-sim exchange, with locust's statistics and its
distributed master/worker mode. Optional: ``pip install 'vecozo-sim[load]'``.

    VECOZO_HOME=.vecozo-sim VECOZO_ACCOUNTS=12050001,98100001 \\
        locust -f provider_client/locustfile.py --headless -u 10 -r 2 -t 1m

Each locust user takes the next account of ``VECOZO_ACCOUNTS`` (user numbers, names or AGB
codes), presents its client certificate from ``VECOZO_HOME/accounts/``, pushes generated
declarations (``VECOZO_LINES`` per file, default 100) and empties its mailbox (download with
the SHA256 check, then acknowledge). The host defaults to the gateway URL in
``VECOZO_HOME/runtime.json``. Requests are the pure protocol layer's, sent with locust's
gevent-friendly HTTP client; answers are read by the same layer as the async client's.
Every worker needs the same home directory (certificates and world).
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from locust import HttpUser, between, task

from provider_client import _protocol as proto
from provider_client._errors import ClientError
from provider_client._home import read_base_url
from provider_client._load_locust import (
    account_for,
    next_declaration,
    push_request,
    read_reply,
    settings_from,
)
from world import HomeLayout

T = TypeVar("T")
SETTINGS = settings_from(os.environ)
_USERS = itertools.count()


def _default_host() -> str:
    try:
        return read_base_url(HomeLayout(root=Path(SETTINGS.home)))
    except ClientError:
        return "https://127.0.0.1:8443"


class VecozoUser(HttpUser):  # type: ignore[misc,unused-ignore]
    """One account pushing declarations and fetching its returns."""

    host = _default_host()
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.account = account_for(SETTINGS, next(_USERS))
        config = self.account.config
        self.client.cert = (str(config.cert), str(config.key)) if config.key else str(config.cert)
        self.client.verify = str(config.ca)

    @task(3)  # type: ignore[untyped-decorator,unused-ignore]
    def push(self) -> None:
        request = push_request(next_declaration(self.account))
        self._send(request, "push", proto.read_pushed)

    @task(1)  # type: ignore[untyped-decorator,unused-ignore]
    def mailbox(self) -> None:
        listing = self._send(proto.list_request(limit=20), "list", proto.read_listing)
        for info in listing or ():
            request = proto.payload_request(info.traceer_id)
            if self._send(request, "payload", functools.partial(proto.read_payload, expected=info)):
                request = proto.acknowledge_request(info.traceer_id)
                self._send(request, "acknowledge", proto.read_acknowledged)

    def _send(
        self, request: proto.OutgoingRequest, name: str, read: Callable[[Any], T]
    ) -> T | None:
        """One request; a ClientError from the reader is a locust failure with its message."""
        with self.client.request(
            request.method,
            request.path,
            params=list(request.query) or None,
            headers=dict(request.headers),
            data=request.body or None,
            name=name,
            catch_response=True,
        ) as reply:
            response = read_reply(reply.status_code, reply.headers or {}, reply.content)
            try:
                result = read(response)
            except ClientError as exc:
                reply.failure(str(exc))
                return None
            reply.success()
            return result
