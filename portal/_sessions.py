"""Portal sessions: bound to one certificate, two steps (certificate, then TOTP), expiring.

A session is created when a person's certificate first reaches the login page; it carries the
CSRF token of every form from then on. The TOTP code turns it into a logged-in session under a
new id (so an id seen before login is worthless after). Everything is in memory: a restarted
exchange logs everyone out, as a restarted website would.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from portal._settings import PortalSettings

__all__ = ["Session", "SessionStore"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    id: str
    user_number: str
    serial: int  # the certificate the session is bound to
    csrf: str
    created: float
    seen: float
    logged_in: bool = False
    failures: int = 0  # wrong TOTP codes so far


class SessionStore:
    """Sessions by id; ``clock`` is ``time.monotonic`` (tests give their own)."""

    def __init__(self, settings: PortalSettings, clock: Callable[[], float]) -> None:
        self._settings = settings
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self.last_steps: dict[str, int] = {}  # per user number: the last TOTP step accepted

    def start(self, *, user_number: str, serial: int) -> Session:
        now = self._clock()
        session = Session(
            id=secrets.token_urlsafe(32),
            user_number=user_number,
            serial=serial,
            csrf=secrets.token_urlsafe(32),
            created=now,
            seen=now,
        )
        self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id (its idle time reset); None when unknown or expired."""
        found = self._sessions.get(session_id or "")
        if found is None:
            return None
        now = self._clock()
        settings = self._settings
        if (
            now - found.seen > settings.session_idle_seconds
            or now - found.created > settings.session_max_seconds
        ):
            self.end(found.id)
            return None
        seen = dataclasses.replace(found, seen=now)
        self._sessions[found.id] = seen
        return seen

    def log_in(self, session: Session) -> Session:
        """The second factor passed: the same person under a fresh id and CSRF token."""
        self.end(session.id)
        now = self._clock()
        fresh = dataclasses.replace(
            session,
            id=secrets.token_urlsafe(32),
            csrf=secrets.token_urlsafe(32),
            created=now,
            seen=now,
            logged_in=True,
            failures=0,
        )
        self._sessions[fresh.id] = fresh
        return fresh

    def failed(self, session: Session) -> Session | None:
        """One more wrong code; None (the session ended) once the attempts are used up."""
        if session.failures + 1 >= self._settings.login_attempts:
            self.end(session.id)
            return None
        counted = dataclasses.replace(session, failures=session.failures + 1)
        self._sessions[session.id] = counted
        return counted

    def end(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)
