"""A home directory made ready to run: the world and every certificate it needs.

The composition root is the one place that may join ``world`` (who exists) and ``certs`` (their
certificates). ``vecozo-sim init``, ``up`` on an empty home, the pytest plugin, the tests and
the benchmarks all make a home through :func:`init_home`, so each gets the same files: the
world, the population, a new CA, the exchange's server and client certificates, one
certificate per account and the CRL.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterable

from certs import CertificateAuthority
from world import HomeLayout, World, generate_world, save_world

__all__ = ["EXCHANGE_USER_NUMBER", "init_home", "issue_certificates"]

# The exchange's own client certificate (for pushing to participants) is no account of the
# world; its user number starts with 3, which no generated account uses (1 system, 2 person).
EXCHANGE_USER_NUMBER = "30000000000001"


def init_home(
    layout: HomeLayout,
    *,
    seed: int = 1,
    persons: int = 10_000,
    today: dt.date | None = None,
    hosts: Iterable[str] = (),
    replace: bool = False,
) -> World:
    """Generate a world from ``seed`` into ``layout`` and issue its certificates; returns it.

    A home that has a world already is refused (``FileExistsError``) unless ``replace``: then
    its world, CA and account certificates are replaced, while the exchange's and insurers'
    stored state is kept. ``hosts`` are names besides localhost in the server certificate.
    """
    if layout.world_file.exists() and not replace:
        raise FileExistsError(f"{layout.world_file} exists; use --force to replace the world")
    world = generate_world(seed=seed, persons=persons, today=today)
    if replace:  # a new world gets a new CA: certificates of the old one would only confuse
        for directory in (layout.pki_dir, layout.accounts_dir):
            shutil.rmtree(directory, ignore_errors=True)
    save_world(world, layout)
    issue_certificates(world, layout, hosts=hosts)
    return world


def issue_certificates(world: World, layout: HomeLayout, *, hosts: Iterable[str] = ()) -> int:
    """CA, server and exchange certificates, one per account, and the CRL; returns the count.

    The server certificate names ``hosts`` besides localhost, 127.0.0.1 and ::1: the names
    a client uses to reach a container (docs/CONTAINER.md)."""
    ca = CertificateAuthority.create()
    layout.accounts_dir.mkdir(parents=True, exist_ok=True)
    layout.pki_dir.mkdir(parents=True, exist_ok=True)
    ca.deliver(
        ca.issue_server(hosts=hosts), cert_path=layout.server_cert, key_path=layout.server_key
    )
    exchange = ca.issue_client(
        name="VECOZO exchange",
        organisation="vecozo-sim",
        user_number=EXCHANGE_USER_NUMBER,
        kind="system",
    )
    ca.deliver(exchange, cert_path=layout.exchange_client_cert, key_path=layout.exchange_client_key)
    for account in world.accounts:
        issued = ca.issue_client(
            name=account.name,
            organisation=world.organisation_name(account.organisation) or account.organisation,
            user_number=account.user_number,
            kind=account.kind.value,
        )
        ca.deliver(
            issued,
            cert_path=layout.account_cert(account.user_number),
            key_path=layout.account_key(account.user_number),
        )
    ca.save(layout.pki_dir)  # after issuing, so the saved register lists every certificate
    return len(world.accounts) + 2
