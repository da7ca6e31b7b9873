"""Errors of the client library: one base class, a small tree that says whose fault it is.

::

    ClientError                          anything the client raises on purpose
    ├── ConfigurationError               local: no certificate, unknown account, no runtime.json
    ├── ConnectionFailedError            local/remote: nothing answers at the base URL
    │   └── ConnectionLostError          remote: it accepted us, then closed without an answer
    ├── CertificateRefusedError          remote: the exchange closed the connection after TLS
    ├── ServerNotTrustedError            local: the exchange's certificate is not from our CA
    ├── RequestTimeoutError              remote: no answer in time
    │   └── ReturnTimeoutError           remote: no return file arrived in time
    ├── ProblemDetailsError              remote refused the request (4xx/5xx with problem details)
    │   ├── NotAuthorisedError           401/403: this account may not do that
    │   └── MessageNotFoundError         404: unknown message, or not ours
    ├── DeclarationRejectedError         remote: the exchange's technical checks refused the file
    ├── PayloadIntegrityError            remote: a download does not match its size or SHA256
    ├── UnexpectedResponseError          remote: an answer outside the published contract
    ├── GenerateError                    local: the world cannot yield the asked file (_draw.py)
    └── LoadError                        local: a load plan that cannot run (_load.py)

The command line turns each into one readable line and an exit code; none is a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = [
    "CERTIFICATE_HINT",
    "CertificateRefusedError",
    "ClientError",
    "ConfigurationError",
    "ConnectionFailedError",
    "ConnectionLostError",
    "DeclarationRejectedError",
    "MessageNotFoundError",
    "NotAuthorisedError",
    "PayloadIntegrityError",
    "ProblemDetailsError",
    "RequestTimeoutError",
    "ReturnTimeoutError",
    "ServerNotTrustedError",
    "UnexpectedResponseError",
]

CERTIFICATE_HINT = (
    "the exchange closed the connection: it probably refused your client certificate "
    "(missing, expired, revoked or not issued by the exchange's CA); under TLS 1.3 such a "
    "refusal shows up as a closed connection on the first request, not as a TLS error"
)


class ClientError(Exception):
    """Base of every error the client raises on purpose; ``exit_code`` is for the commands."""

    exit_code = 1


class ConfigurationError(ClientError):
    """Something on this machine is missing or wrong: files, account, URL."""

    exit_code = 2


class ConnectionFailedError(ClientError):
    """No exchange answers at the base URL (refused, unreachable)."""

    exit_code = 3

    def __init__(self, url: str, reason: str = "") -> None:
        self.url = url
        detail = f" ({reason})" if reason else ""
        super().__init__(f"no exchange answers at {url}{detail}; start it with `vecozo-sim up`")


class ConnectionLostError(ConnectionFailedError):
    """The exchange accepted the connection (and our certificate), then closed it without an
    answer: it stopped or restarted. A refused certificate looks different (a reset or a TLS
    alert), so this is not one; whether the request got through is unknown."""

    def __init__(self, url: str, reason: str = "") -> None:
        self.url = url
        detail = f" [{reason}]" if reason else ""
        ClientError.__init__(
            self,
            f"{url}: the exchange closed the connection without answering (stopped or "
            f"restarted?); the request may or may not have been accepted{detail}",
        )


class CertificateRefusedError(ClientError):
    """The connection closed on a request: the usual face of a refused client certificate."""

    exit_code = 4

    def __init__(self, url: str, reason: str = "") -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {CERTIFICATE_HINT}" + (f" [{reason}]" if reason else ""))


class ServerNotTrustedError(ClientError):
    """The exchange's server certificate did not verify against the CA we were given."""

    exit_code = 4


class RequestTimeoutError(ClientError):
    """The exchange did not answer within the time allowed."""

    exit_code = 5


class ReturnTimeoutError(RequestTimeoutError):
    """No return file answering the declaration arrived before the deadline."""

    def __init__(self, traceer_id: str, timeout: float) -> None:
        self.traceer_id = traceer_id
        self.timeout = timeout
        super().__init__(f"no return file for {traceer_id} within {timeout:g}s")


class ProblemDetailsError(ClientError):
    """The exchange refused a request and said why in an RFC 7807 (Validation)ProblemDetails."""

    exit_code = 6

    def __init__(
        self,
        *,
        status: int,
        title: str,
        detail: str = "",
        errors: Mapping[str, Sequence[str]] | None = None,
        type_: str = "",
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        self.type = type_
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [f"HTTP {self.status}: {self.title}"]
        if self.detail:
            parts.append(self.detail)
        parts.extend(f"{field}: {'; '.join(msgs)}" for field, msgs in self.errors.items())
        return " | ".join(parts)


class NotAuthorisedError(ProblemDetailsError):
    """401/403: the certificate is known but this account may not do this."""


class MessageNotFoundError(ProblemDetailsError):
    """404: the message is unknown, gone, or belongs to someone else."""


class DeclarationRejectedError(ClientError):
    """The exchange refused the file on its technical checks (status AfgekeurdDoorDienst)."""

    exit_code = 7

    def __init__(self, traceer_id: str, meldingen: Sequence[tuple[str, str]]) -> None:
        self.traceer_id = traceer_id
        self.meldingen = tuple(meldingen)
        listed = "; ".join(f"{code} {text}" for code, text in self.meldingen) or "no reason given"
        super().__init__(f"declaration {traceer_id} was refused by the exchange: {listed}")


class PayloadIntegrityError(ClientError):
    """A downloaded payload differs from the size or SHA256 the mailbox listing promised."""

    exit_code = 8


class UnexpectedResponseError(ClientError):
    """An answer the published contract does not allow (status code or body shape)."""

    exit_code = 9
