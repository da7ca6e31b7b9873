"""The command line's one error policy: commands raise ``CliError``, ``main`` reports it.

Every failure a user can cause or meet ends the same way in every command: one line on stderr,
``vecozo-sim COMMAND: error: MESSAGE``, and the exit code of its kind (the table in the README,
"Exit codes"). The kinds are those of ``provider_client.ClientError``, so a failure in the client
library and the same failure found by a command exit alike.
"""

from __future__ import annotations

import argparse
import datetime as dt

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_FINDINGS",
    "EXIT_USAGE",
    "CliError",
    "iso_date",
    "port",
]

EXIT_FINDINGS = 1  # the command ran and found something wrong (findings, a refused file)
EXIT_USAGE = 2  # the user's mistake: an option, a file, a home directory, a certificate file
EXIT_BROKEN_PIPE = 141  # the reader of our output went away (128 + SIGPIPE, as a shell reports)


class CliError(Exception):
    """A command could not do its work; ``message`` names what is wrong (a path, a value)."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def iso_date(text: str) -> dt.date:
    """An argparse type for a calendar date; the refusal names the value and the format."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"invalid date {text!r} ({exc}); expected YYYY-MM-DD, e.g. 2026-03-01"
        ) from None


def port(text: str) -> int:
    """An argparse type for a TCP port; 0 asks the system for a free one."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range 0..65535: {value}")
    return value
