"""The exchange's state and COV register are found from the gateway's own routes and from a
face mounted into its application (the portal), where ``request.app`` is the mounted one."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from gateway import exchange_state, mount_pages
from gateway._services import _exchange_value
from gateway._state import COV_REGISTER, STATE

STATE_VALUE: Any = object()
REGISTER_VALUE: Any = object()


async def _found_from(path: str) -> list[tuple[object, object]]:
    seen: list[tuple[object, object]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append((exchange_state(request), _exchange_value(request, COV_REGISTER)))
        return web.Response()

    root = web.Application()
    root[STATE] = STATE_VALUE
    root[COV_REGISTER] = REGISTER_VALUE
    root.router.add_post("/cov/v1/controle", handler)
    pages = web.Application()
    pages.router.add_get("/cov", handler)
    mount_pages(root, "/portal/", pages)
    root.freeze()
    await root._handle(make_mocked_request("POST" if path.startswith("/cov") else "GET", path))
    return seen


async def test_the_gateways_own_route_finds_state_and_register() -> None:
    assert await _found_from("/cov/v1/controle") == [(STATE_VALUE, REGISTER_VALUE)]


async def test_a_mounted_face_finds_the_gateways_state_and_register() -> None:
    assert await _found_from("/portal/cov") == [(STATE_VALUE, REGISTER_VALUE)]
