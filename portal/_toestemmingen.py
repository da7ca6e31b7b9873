"""Toestemmingen: the toestemmingsverklaringen a service bureau holds (or a provider gave),
and the choice of provider when a bureau's staff upload a declaration.

A bureau "may submit on a provider's behalf when the provider signed a toestemmingsverklaring
for them". Whether it may is decided where a REST push is decided, in the gateway's one
acceptance path (:func:`gateway.accept_submission`): a provider without a valid toestemming is
refused there, and nothing is stored. This module only shows the verklaringen, offers the
providers a bureau may choose in the upload form, and checks that a chosen provider is the
one the file's voorlooprecord names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from aiohttp import web

import berichten
import gateway
from portal._errors import UploadError
from portal._keys import PERSON, NavItem
from portal._render import render
from world import OrganisationKind, Provider, Service, Toestemming, World

__all__ = ["NAVIGATION", "add_routes", "afzender_for", "bureau_providers"]

NAVIGATION = (NavItem(title="Toestemmingen", path="toestemmingen", service=Service.DECLAREREN),)
SERVICES = {Service.DECLAREREN: "Zvw- en Wlz-declaraties", Service.COV: "COV"}
# The roles a provider may declare in, most specific first (each one a voorlooprecord field).
SENDER_ROLES = (berichten.ROL_INSTELLING, berichten.ROL_PRAKTIJK, berichten.ROL_ZORGVERLENER)


@dataclass(frozen=True, slots=True, kw_only=True)
class Verklaring:
    """One toestemmingsverklaring as the page shows it."""

    provider: str
    provider_name: str
    bureau: str
    bureau_name: str
    service: str
    valid_from: dt.date
    valid_to: dt.date
    state: str  # Geldig, Verlopen, Nog niet geldig (on the exchange's today)


def _state(t: Toestemming, today: dt.date) -> str:
    if t.is_valid_on(today):
        return "Geldig"
    return "Verlopen" if t.valid_to < today else "Nog niet geldig"


def verklaringen(world: World, organisation: str, today: dt.date) -> list[Verklaring]:
    """The verklaringen an organisation holds (a bureau) or gave (a provider)."""
    provider = world.provider(organisation)
    own = {organisation} | ({provider.code} if provider else set())
    return [
        Verklaring(
            provider=t.provider,
            provider_name=world.organisation_name(t.provider) or "",
            bureau=t.bureau,
            bureau_name=world.organisation_name(t.bureau) or "",
            service=SERVICES.get(t.service, t.service.value),
            valid_from=t.valid_from,
            valid_to=t.valid_to,
            state=_state(t, today),
        )
        for t in world.toestemmingen
        if t.bureau in own or t.provider in own
    ]


def bureau_providers(state: gateway.GatewayState, caller: gateway.Caller) -> list[Provider]:
    """The providers a bureau's staff may choose in the upload form: a toestemming valid
    today (none for anyone else, who submits for their own organisation)."""
    if caller.kind is not OrganisationKind.BUREAU:
        return []
    world, today = state.world, state.clock.today()
    codes = {
        t.provider
        for t in world.toestemmingen
        if t.bureau == caller.organisation and t.service is Service.DECLAREREN
    }
    found = [world.provider(code) for code in sorted(codes)]
    return [
        p
        for p in found
        if p and world.has_toestemming(bureau=caller.organisation, provider=p.code, day=today)
    ]


def afzender_for(header: gateway.HeaderCodes, chosen: str, world: World) -> tuple[str, str] | None:
    """The afzender (rol, code) for a provider chosen in the form, where the voorlooprecord
    names it; None when none was chosen (the header's own declarant is used)."""
    if not chosen:
        return None
    provider = world.provider(chosen)
    codes = provider.codes if provider else frozenset({chosen})
    for rol in SENDER_ROLES:
        code = header.sender_code(rol)
        if code and code in codes:
            return rol, code
    named = header.instellingscode or header.praktijkcode or header.zorgverlenerscode or "geen"
    raise UploadError(
        f"Het bestand is van zorgaanbieder {named} (voorlooprecord), niet van de gekozen "
        f"zorgaanbieder {chosen}; het is niet ingediend."
    )


async def overview(request: web.Request) -> web.StreamResponse:
    state, person = gateway.exchange_state(request), request[PERSON]
    today = state.clock.today()
    found = verklaringen(state.world, person.organisation, today)
    gateway.note_outcome(request, f"{len(found)} toestemmingsverklaringen")
    context = {
        "verklaringen": found,
        "is_bureau": person.kind is OrganisationKind.BUREAU,
        "today": today,
    }
    return render(request, "toestemmingen.html", context)


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/toestemmingen", overview)
