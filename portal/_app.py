"""The portal application: its page groups, mounted under ``/portal/`` on the exchange.

A page group is a module with ``NAVIGATION`` (its entries in the menu) and ``add_routes``
(its pages); adding one (Berichtloket, COV, toestemmingen) means one module and one line in
``PAGE_GROUPS``.
"""

from __future__ import annotations

import time
from types import ModuleType

from aiohttp import web

import gateway
from portal import _berichtloket, _cov, _declaraties, _login, _toestemmingen
from portal._auth import portal_middleware
from portal._keys import NAVIGATION, SESSIONS, SETTINGS
from portal._render import setup_templates
from portal._sessions import SessionStore
from portal._settings import PREFIX, PortalSettings

__all__ = ["PAGE_GROUPS", "create_portal", "mount_portal"]

PAGE_GROUPS: tuple[ModuleType, ...] = (_login, _declaraties)
PAGE_GROUPS += (_berichtloket, _cov, _toestemmingen)


def create_portal(settings: PortalSettings | None = None) -> web.Application:
    """The pages, to be mounted into the exchange's app with :func:`mount_portal`."""
    settings = settings or PortalSettings()
    app = web.Application(middlewares=[portal_middleware])
    app[SETTINGS] = settings
    app[SESSIONS] = SessionStore(settings, time.monotonic)
    app[NAVIGATION] = tuple(item for group in PAGE_GROUPS for item in group.NAVIGATION)
    setup_templates(app)
    for group in PAGE_GROUPS:
        group.add_routes(app.router)
    return app


def mount_portal(exchange: web.Application, settings: PortalSettings | None = None) -> None:
    """Serve the portal under ``/portal/`` of the exchange's own (mutual TLS) application."""
    gateway.mount_pages(exchange, PREFIX, create_portal(settings))
