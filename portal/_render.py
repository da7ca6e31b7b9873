"""Pages as HTML: the Jinja2 environment, the navigation and what every page is given.

Autoescaping is on for every template (a file name or a melding is user text). The base
template shows the navigation of the page groups the person's account may use; a page group
(Declaratieportaal, Berichtloket, ...) registers itself in ``_app.PAGE_GROUPS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

import gateway
from portal._keys import NAVIGATION, PERSON, SESSION, NavItem
from portal._settings import PREFIX
from world import Service

__all__ = ["euro", "moment", "render", "setup_templates"]

# Every page: no caching of patient data, no framing, nothing loaded from elsewhere.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def euro(cents: object) -> str:
    """Cents as Dutch money: ``-1234`` -> ``€ -12,34``."""
    if not isinstance(cents, int):
        return ""
    whole, rest = divmod(abs(cents), 100)
    return f"€ {'-' if cents < 0 else ''}{whole:,}".replace(",", ".") + f",{rest:02d}"


def moment(iso: object) -> str:
    """An ISO timestamp as the portal shows it: ``2026-12-01 05:19:58``."""
    text = str(iso or "")
    return text[:19].replace("T", " ")


def setup_templates(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("portal", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["euro"] = euro
    env.filters["moment"] = moment


def visible(items: tuple[NavItem, ...], services: frozenset[Service]) -> list[NavItem]:
    return [i for i in items if i.service is None or i.service in services]


def render(
    request: web.Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> web.Response:
    """``template`` with the page's own ``context`` and what the base template needs."""
    person = request.get(PERSON)
    session = request.get(SESSION)
    logged_in = session is not None and session.logged_in
    state = gateway.exchange_state(request)
    base: dict[str, Any] = {
        "prefix": PREFIX,
        "person": person if logged_in else None,
        "organisation": (
            state.world.organisation_name(person.organisation) if person and logged_in else None
        ),
        "csrf": session.csrf if session else "",
        "navigation": (
            visible(request.config_dict[NAVIGATION], person.account.services)
            if person and logged_in
            else []
        ),
        "current": request.path,
    }
    response = aiohttp_jinja2.render_template(
        template, request, {**base, **(context or {})}, status=status
    )
    response.headers.update(SECURITY_HEADERS)
    return response
