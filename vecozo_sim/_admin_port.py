"""The operator's admin port: one plain-HTTP listener that mounts each room's admin app.

Its routes reset the exchange, move its clock and inject faults, so a web page the developer
happens to open must not reach them (issue 12 measured a ``text/plain`` POST from any page
wiping the exchange: a "simple" cross-site request needs no CORS preflight). Every request
passes :func:`admin_guard` first, in this order:

1. ``Host`` must name this listener (127.0.0.1, localhost, [::1], the bound host or a name of
   ``up --hostname``, with the bound port; any port when bound to every address, as in a
   container whose engine maps the port): a DNS-rebinding page sends its own host name (403);
2. an ``Origin`` header, which browsers add to cross-site requests, must be this listener's
   own origin (403);
3. ``Authorization: Bearer <token>``, the secret in ``HOME/runtime.json`` ("admin_token", a file
   only its owner can read), compared in constant time (401 saying where the token is);
4. a state-changing request (POST, PUT, PATCH, DELETE) must not carry one of the content types
   a browser may send cross-site without a preflight (415).

``GET /health`` is exempt from all four: a container's or a CI job's readiness probe has no
token, and the answer tells nothing but "up" or "starting". docs/SECURITY.md has the threat
model; docs/ADMIN.md every endpoint.
"""

from __future__ import annotations

import hmac
import inspect
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

__all__ = [
    "SIMPLE_CONTENT_TYPES",
    "AdminGuard",
    "AdminPort",
    "admin_guard",
    "create_admin_app",
    "new_admin_token",
]

# The content types of the HTML form and of fetch's no-cors mode: a browser sends these
# cross-site without asking the server first (Fetch standard, "CORS-safelisted request-header").
SIMPLE_CONTENT_TYPES = frozenset(
    {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 (recognised, not bound, here)
_STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HEALTH_PATH = "/health"

Readiness = Callable[[], str | None]  # None when ready, else why not


def new_admin_token() -> str:
    """A fresh secret per start: 256 bits, URL-safe so it pastes into a header as it is."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True, kw_only=True)
class AdminGuard:
    """What :func:`admin_guard` checks: the secret, the bound host and where the token is."""

    token: str
    bind_host: str
    runtime_file: Path
    public_hosts: tuple[str, ...] = ()  # ``up --hostname``: names clients reach it by

    def allowed_hosts(self, port: int) -> frozenset[str]:
        names = LOOPBACK_HOSTS | {self.bind_host, f"[{self.bind_host}]"}
        names |= {name.lower() for name in self.public_hosts}
        return frozenset(f"{name}:{port}" for name in names)

    def host_allowed(self, host: str, port: int) -> bool:
        """``host`` names this listener. Bound to every address (a container), the port a
        client sees is the engine's mapping, not ours, so only the name counts there: the
        name is what defeats DNS rebinding (the attacker's page sends its own name)."""
        if host in self.allowed_hosts(port):
            return True
        if self.bind_host not in WILDCARD_HOSTS:
            return False
        name, _, given_port = host.rpartition(":")
        return given_port.isdigit() and f"{name}:{port}" in self.allowed_hosts(port)

    def token_matches(self, header: str) -> bool:
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(given.strip().encode(), self.token.encode())


def _problem(request: web.Request, status: int, title: str, detail: str) -> web.Response:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    return web.json_response(body, status=status, content_type="application/problem+json")


def _bound_port(request: web.Request) -> int:
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    return int(sockname[1]) if sockname else -1


def refusal(guard: AdminGuard, request: web.Request) -> web.Response | None:
    """The answer to a request the admin port refuses, or None to let it through."""
    port = _bound_port(request)
    allowed = guard.allowed_hosts(port)
    if not guard.host_allowed(request.headers.get("Host", "").lower(), port):
        detail = f"Host must be one of {', '.join(sorted(allowed))} (this admin port)"
        return _problem(request, 403, "Foreign Host", detail)
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() not in {f"http://{h}" for h in allowed}:
        detail = f"the admin port answers no cross-site request (Origin {origin!r})"
        return _problem(request, 403, "Foreign Origin", detail)
    if not guard.token_matches(request.headers.get("Authorization", "")):
        detail = (
            "send 'Authorization: Bearer <token>'; the token is \"admin_token\" in "
            f"{guard.runtime_file} (HOME/runtime.json, new at every start)"
        )
        response = _problem(request, 401, "Token required", detail)
        response.headers["WWW-Authenticate"] = 'Bearer realm="vecozo-sim admin"'
        return response
    if request.method in _STATE_CHANGING and request.content_type in SIMPLE_CONTENT_TYPES:
        detail = f"send application/json (or no body), not {request.content_type}"
        return _problem(request, 415, "Unsupported Media Type", detail)
    return None


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def admin_guard(guard: AdminGuard) -> Any:
    """The middleware of the admin application (the module docstring gives the rules)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return await handler(request)
        refused = refusal(guard, request)
        return refused if refused is not None else await handler(request)

    return middleware


def describe(app: web.Application) -> list[dict[str, str]]:
    """Method, path and the first line of the handler's docstring of each route of ``app``."""
    endpoints = []
    for route in app.router.routes():
        if route.method == "HEAD" or route.resource is None:
            continue
        doc = inspect.getdoc(route.handler) or ""
        endpoints.append(
            {
                "method": route.method,
                "path": route.resource.canonical,
                "description": doc.splitlines()[0] if doc else "",
            }
        )
    return endpoints


async def _own_index(request: web.Request) -> web.Response:
    """This list: every endpoint under this prefix with its method and what it does."""
    return web.json_response({"endpoints": describe(request.app)})


def create_admin_app(
    mounts: Mapping[str, web.Application], *, guard: AdminGuard, readiness: Readiness
) -> web.Application:
    """The admin application: each room's app under its prefix (``/admin/gateway`` ...), an
    index at ``/admin/`` and at each prefix, and ``GET /health``."""
    app = web.Application(middlewares=[admin_guard(guard)])

    async def health(request: web.Request) -> web.Response:
        """Readiness, no token needed: 200 once every room answers, 503 with the reason before."""
        reason = readiness()
        if reason is None:
            return web.json_response({"status": "ok"})
        return web.json_response({"status": "starting", "reason": reason}, status=503)

    async def index(request: web.Request) -> web.Response:
        """Every endpoint of the admin port with its method and what it does."""
        listed = describe(request.app) + [e for sub in mounts.values() for e in describe(sub)]
        return web.json_response({"endpoints": listed})

    app.router.add_get("/admin/", index)
    app.router.add_get(HEALTH_PATH, health)
    for prefix, sub in mounts.items():
        sub.router.add_get("/", _own_index)
        app.add_subapp(prefix, sub)
    return app


class AdminPort:
    """The one admin listener of a running simulator: ``await start()`` gives its URL.

    ``mounts`` maps a prefix (``/admin/gateway``) to a room's admin app; ``readiness`` answers
    ``GET /health``. The token is new for every instance, so for every start.
    """

    def __init__(
        self,
        mounts: Mapping[str, web.Application],
        *,
        host: str,
        port: int,
        runtime_file: Path,
        readiness: Readiness,
        public_hosts: tuple[str, ...] = (),
        shutdown_timeout: float = 5.0,
    ) -> None:
        self.token = new_admin_token()
        self.url = ""
        self._guard = AdminGuard(
            token=self.token, bind_host=host, runtime_file=runtime_file, public_hosts=public_hosts
        )
        self._app = create_admin_app(mounts, guard=self._guard, readiness=readiness)
        self._host, self._port = host, port
        self._shutdown_timeout = shutdown_timeout
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        runner = web.AppRunner(
            self._app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=self._shutdown_timeout,
        )
        await runner.setup()
        self._runner = runner
        await web.TCPSite(runner, self._host, self._port).start()
        self.url = f"http://{self._host}:{int(runner.addresses[0][1])}"
        return self.url

    async def stop(self) -> None:
        """Idempotent."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
