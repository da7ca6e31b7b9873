"""The portal's errors: what a person did that the portal cannot take (shown, never raised on)."""

from __future__ import annotations

__all__ = ["PortalError", "UploadError"]


class PortalError(Exception):
    """Base class: ``detail`` is the Dutch sentence the page shows."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class UploadError(PortalError):
    """The upload is not something the Declaratieportaal accepts (size, ZIP, no EI file)."""
