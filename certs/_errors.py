"""The errors of the test PKI, one tree so callers can catch ``CertsError`` and nothing else.

::

    CertsError                      anything this package refuses
    ├── IssueError                  local: bad issue arguments (user number, kind, host, key type)
    ├── IdentityError               remote: a peer's certificate carries no usable VECOZO identity
    └── CaStoreError                local: a CA directory is missing, unreadable or inconsistent
        └── UnknownCertificateError local: no certificate with that serial or user number was issued

``IssueError`` is also a ``ValueError`` because it is exactly that: an argument out of range. The
command line turns every ``CertsError`` into a one-line message and exit status 2.
"""

from __future__ import annotations

__all__ = [
    "CaStoreError",
    "CertsError",
    "IdentityError",
    "IssueError",
    "UnknownCertificateError",
]


class CertsError(Exception):
    """Base class: the PKI refused to do what was asked; the message says what and why."""


class IssueError(CertsError, ValueError):
    """An issue request was malformed (the caller's mistake, nothing was signed)."""


class IdentityError(CertsError):
    """A certificate does not identify a VECOZO account (the peer's mistake).

    The gateway maps a client certificate to an account by the subject's 14-digit serialNumber;
    a certificate without one must never be mistaken for somebody.
    """


class CaStoreError(CertsError):
    """The CA files on disk cannot be used; the message names the file."""


class UnknownCertificateError(CaStoreError):
    """The CA has no record of the certificate asked for (wrong serial or user number)."""
