"""The typed keys the portal keeps on its application and on each request, and the
navigation entry every page group registers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import MultipartReader, web

import gateway
from portal._sessions import Session, SessionStore
from portal._settings import PortalSettings
from world import Service

__all__ = [
    "FORM",
    "MULTIPART",
    "NAVIGATION",
    "PERSON",
    "SESSION",
    "SESSIONS",
    "SETTINGS",
    "NavItem",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class NavItem:
    """One entry of the navigation: shown to accounts with ``service`` (or to all: None)."""

    title: str
    path: str  # below PREFIX, e.g. "declaraties"
    service: Service | None = None


SETTINGS = web.AppKey("portal_settings", PortalSettings)
SESSIONS = web.AppKey("portal_sessions", SessionStore)
NAVIGATION: web.AppKey[tuple[NavItem, ...]] = web.AppKey("portal_navigation")
PERSON = web.RequestKey("portal_person", gateway.Caller)
SESSION = web.RequestKey("portal_session", Session)
# The text fields of a posted form (CSRF already checked), and for an upload the multipart
# reader positioned after its CSRF part.
FORM: web.RequestKey[Mapping[str, str]] = web.RequestKey("portal_form")
MULTIPART = web.RequestKey("portal_multipart", MultipartReader)
