"""Find the identity and the exchange of an account in a world directory.

A vendor's client is configured with a certificate, a key, the CA and a URL. In a world
directory those are all known: the account's files under ``accounts/``, the CA under ``pki/``,
the URL in ``runtime.json`` written by ``vecozo-sim up``. This module resolves an account given
by user number or by name into those four things, and says clearly what is missing.
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certs import client_ssl_context
from provider_client._errors import ConfigurationError
from world import HomeLayout

__all__ = ["ClientConfig", "read_base_url", "resolve_config"]

DEFAULT_BASE_URL = "https://127.0.0.1:8443"
# Keys under which runtime.json may carry the exchange's URL; the first present wins.
_URL_KEYS = ("gateway_url", "gateway", "base_url", "url")


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientConfig:
    """Everything needed to talk to the exchange as one account."""

    base_url: str
    cert: Path
    key: Path | None
    ca: Path
    user_number: str | None = None
    organisation: str | None = None
    agb: str | None = None  # the provider's AGB for COV's Zorgaanbieder; None for others

    def ssl_context(self) -> ssl.SSLContext:
        files = {"certificate": self.cert, "key": self.key, "CA certificate": self.ca}
        for role, path in files.items():
            if path is not None and not path.is_file():
                raise ConfigurationError(f"the {role} file {path} is missing")
        try:
            return client_ssl_context(ca=self.ca, cert=self.cert, key=self.key)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError(f"cannot load the certificate {self.cert}: {exc}") from None


def read_base_url(layout: HomeLayout) -> str:
    """The gateway URL ``vecozo-sim up`` wrote, or the default when it has not run."""
    path = layout.runtime_file
    if not path.is_file():
        return DEFAULT_BASE_URL
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"{path} is not readable JSON: {exc}") from None
    url = _find_url(data)
    if url is None:
        raise ConfigurationError(f"{path} names no gateway URL (looked for {', '.join(_URL_KEYS)})")
    return url


def _find_url(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    for key in _URL_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value.startswith("http"):
            return value
        if isinstance(value, dict):
            nested = _find_url(value)
            if nested:
                return nested
    return None


def resolve_config(home: Path, account: str, base_url: str | None = None) -> ClientConfig:
    """The files of ``account`` in ``home``: a 14-digit user number, an account name, or an
    organisation code (then its system account: the webservices take no person's)."""
    layout = HomeLayout(root=home)
    if not home.is_dir():
        raise ConfigurationError(f"no world directory at {home}; create one with `vecozo-sim init`")
    user_number, organisation, agb = _find_account(layout, account)
    cert = layout.account_cert(user_number)
    key = layout.account_key(user_number)
    return ClientConfig(
        base_url=base_url or read_base_url(layout),
        cert=cert,
        key=key,  # a world directory keeps every key next to its certificate
        ca=layout.ca_cert,
        user_number=user_number,
        organisation=organisation,
        agb=agb,
    )


def _find_account(layout: HomeLayout, account: str) -> tuple[str, str | None, str | None]:
    from provider_client._world import account_named, load_world_of  # deferred: costly

    world = load_world_of(layout)
    found = account_named(world, account)
    if found is None:
        names = ", ".join(f"{a.user_number} ({a.name})" for a in world.accounts[:8])
        raise ConfigurationError(
            f"no account {account!r} in {layout.root}; accounts include: {names}"
        )
    provider = world.provider(found.organisation)
    return found.user_number, found.organisation, provider.agb if provider else None
