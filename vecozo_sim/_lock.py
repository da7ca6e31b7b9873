"""One running simulator per home: an exclusive ``flock`` on ``HOME/.lock`` for its lifetime.

Two processes on one home would share the SQLite stores and the second one's stop would delete
the first one's runtime.json (issue 11). The kernel drops a ``flock`` when its process ends,
however it ends (SIGKILL included), so a crashed run never leaves a stale lock behind; the pid
written into the file only serves the message that names the other process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType

__all__ = ["HomeInUseError", "HomeLock"]


class HomeInUseError(Exception):
    """Another live process holds the home; the message names it and the way out."""


class HomeLock:
    """``with HomeLock(home):`` holds the home, or raises :class:`HomeInUseError` at once."""

    def __init__(self, home: Path) -> None:
        self.path = home / ".lock"
        self._fd: int | None = None

    def __enter__(self) -> HomeLock:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # docs/SECURITY.md
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise HomeInUseError(
                f"{self.path.parent} is in use by another vecozo-sim (pid {other}); "
                "stop that one first, or give this one its own --home"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the last descriptor releases the flock
            self._fd = None
