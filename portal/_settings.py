"""How the portal behaves: session lifetimes and the upload limits VECOZO documents."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MAX_REFERENCE", "PREFIX", "PortalSettings"]

PREFIX = "/portal/"
MAX_REFERENCE = 100  # "optional 'Eigen referentie' ≤100 chars (defaults to the filename)"


@dataclass(frozen=True, slots=True, kw_only=True)
class PortalSettings:
    """Session expiry counts wall-clock seconds (time.monotonic), not the simulated clock: a
    test that moves the exchange's date by a month must not log its browser out.
    """

    session_idle_seconds: float = 15 * 60  # no request for this long: log in again
    session_max_seconds: float = 8 * 60 * 60  # a working day, then log in again
    login_attempts: int = 5  # wrong TOTP codes before the login starts over
    # "max file size 25 MB; ZIP max 30 declaration messages" (VECOZO's upload page)
    max_upload_bytes: int = 25 * 1024 * 1024
    max_zip_files: int = 30
    list_limit: int = 250  # declarations on one overview page
