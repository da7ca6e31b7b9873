"""Errors of the Vektis library.

One base class, a small tree; the docstring of each says whose fault it is::

    VektisError
    ├── UnknownStandardError   remote: the header names a standard/version we do not know (8061)
    ├── FormatError            remote: the bytes are not a well-formed EI file (record, field, code)
    ├── UnknownFieldError      local: a caller asked for a key or field number the layout lacks
    ├── RenderError            local: a value does not fit the field it is written to
    └── LayoutError            local: the packaged layout data is inconsistent (a bug here)

Validation never raises any of these: it reports findings. Parsing and rendering raise them, and
never anything else, whatever bytes they are given.
"""

from __future__ import annotations

__all__ = [
    "FormatError",
    "LayoutError",
    "RenderError",
    "UnknownFieldError",
    "UnknownStandardError",
    "VektisError",
]


class VektisError(Exception):
    """Base class of every error the library raises on purpose."""


class FormatError(VektisError):
    """The input is not a well-formed EI file; names the record, field and retourcode."""

    def __init__(
        self, message: str, *, record: int, record_type: str = "", field: str = "", code: str
    ) -> None:
        super().__init__(
            f"record {record} ({record_type or '?'}) field {field or '-'}: {code} {message}"
        )
        self.record = record
        self.record_type = record_type
        self.field = field
        self.code = code
        self.detail = message


class UnknownStandardError(FormatError):
    """The header's EI code, version and subversion name no standard we ship (COD954 8061)."""

    def __init__(self, message: str, *, code: str = "8061", field: str = "0102") -> None:
        super().__init__(message, record=1, record_type="01", field=field, code=code)


class UnknownFieldError(VektisError, KeyError):
    """A semantic key or field number that the record layout does not define."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown field"


class RenderError(VektisError, ValueError):
    """A value cannot be written into its fixed-width field (too long, negative, wrong type)."""


class LayoutError(VektisError):
    """The layout data shipped in the package is inconsistent: a bug in this library."""
