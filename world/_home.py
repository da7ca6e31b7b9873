"""Where a world directory keeps its files; paths only, no I/O.

The composition root, the gateway, the insurer stubs and the client all find their files here,
so the layout is written down once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_HOME", "HomeLayout"]

DEFAULT_HOME = Path(".vecozo-sim")


@dataclass(frozen=True, slots=True, kw_only=True)
class HomeLayout:
    """The files of one world directory (default ``./.vecozo-sim``)."""

    root: Path

    @property
    def world_file(self) -> Path:
        return self.root / "world.toml"

    @property
    def population_file(self) -> Path:
        return self.root / "population.csv"

    @property
    def pki_dir(self) -> Path:
        return self.root / "pki"

    @property
    def ca_cert(self) -> Path:
        return self.pki_dir / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.pki_dir / "ca-key.pem"

    @property
    def crl(self) -> Path:
        return self.pki_dir / "crl.pem"

    @property
    def server_cert(self) -> Path:
        return self.pki_dir / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.pki_dir / "server-key.pem"

    @property
    def exchange_client_cert(self) -> Path:
        """The exchange's own client certificate, for pushing to participants' endpoints."""
        return self.pki_dir / "exchange.pem"

    @property
    def exchange_client_key(self) -> Path:
        return self.pki_dir / "exchange-key.pem"

    @property
    def accounts_dir(self) -> Path:
        return self.root / "accounts"

    def account_cert(self, user_number: str) -> Path:
        return self.accounts_dir / f"{user_number}.pem"

    def account_key(self, user_number: str) -> Path:
        return self.accounts_dir / f"{user_number}-key.pem"

    @property
    def gateway_dir(self) -> Path:
        """The exchange's durable state: SQLite store, payload files, journal."""
        return self.root / "gateway"

    @property
    def insurer_dir(self) -> Path:
        """The insurer stubs' durable state: judged lines and ledgers."""
        return self.root / "insurers"

    def store_marker(self, name: str) -> Path:
        """Remembers that a store existed and how its last run ended (``world.StoreGuard``)."""
        return self.root / "store-markers" / f"{name}.json"

    @property
    def runtime_file(self) -> Path:
        """Written by ``vecozo-sim up``: the URLs it listens on, read by the client commands."""
        return self.root / "runtime.json"
