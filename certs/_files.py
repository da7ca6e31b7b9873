"""The only place this package writes files: atomically, private keys readable by owner only."""

from __future__ import annotations

import os
from pathlib import Path

from certs._errors import CaStoreError

__all__ = ["StrPath", "read_file", "write_file"]

StrPath = str | os.PathLike[str]

PRIVATE = 0o600
PUBLIC = 0o644


def write_file(path: StrPath, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A reader (the gateway reloading the CRL, a client picking up its key) never sees half a file.
    A private file is created with mode 0600 from the first byte, never widened and narrowed
    later, and an existing file keeps no wider mode than that.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    mode = PRIVATE if private else PUBLIC
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), mode)  # the umask may have narrowed it; set it exactly
            handle.write(data)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read_file(path: StrPath, what: str) -> bytes:
    """The bytes of ``path``, or ``OSError`` turned into a ``CaStoreError`` naming the file."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise CaStoreError(f"{what} not found: {path}") from None
    except OSError as exc:
        raise CaStoreError(f"cannot read {what} {path}: {exc.strerror}") from None
