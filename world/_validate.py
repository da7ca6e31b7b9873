"""Checks between the entries of world.toml: unique codes and references that resolve.

Field types are checked while reading (``_fields``); here the file is known to be well-typed and
the question is whether it is consistent: does every account belong to an organisation, does
every toestemming name a provider and a bureau, does it last at most two years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Set

from world._errors import WorldFileError
from world._toml import Organisations

__all__ = ["check_organisations", "check_scenario_persons", "two_years_after"]


def two_years_after(day: dt.date) -> dt.date:
    """The same calendar date two years on (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + 2)
    except ValueError:
        return day.replace(year=day.year + 2, day=28)


def _unique(file: str, kind: str, codes: Iterable[str]) -> None:
    seen: set[str] = set()
    for index, code in enumerate(codes):
        if code in seen:
            raise WorldFileError(file, f"{kind}[{index}]", f"code {code} appears twice")
        seen.add(code)


def _check_codes(file: str, orgs: Organisations) -> None:
    _unique(file, "insurers", (i.uzovi for i in orgs.insurers))
    _unique(file, "providers", (c for p in orgs.providers for c in sorted(p.codes)))
    _unique(file, "bureaus", (b.agb for b in orgs.bureaus))
    _unique(file, "accounts", (a.user_number for a in orgs.accounts))
    _unique(file, "scenarios", (s.name for s in orgs.scenarios))


def _check_accounts(file: str, orgs: Organisations, uzovis: Set[str]) -> None:
    known = uzovis | {p.code for p in orgs.providers} | {b.agb for b in orgs.bureaus}
    for index, account in enumerate(orgs.accounts):
        if account.organisation not in known:
            raise WorldFileError(
                file,
                f"accounts[{index}] user_number={account.user_number}",
                f"organisation {account.organisation} is not in the world",
            )
    for index, provider in enumerate(orgs.providers):
        for key, codes in (
            ("contracted_with", provider.contracted_with),
            ("cov_refused_by", provider.cov_refused_by),
        ):
            if unknown := codes - uzovis:
                raise WorldFileError(
                    file,
                    f"providers[{index}] agb={provider.agb}",
                    f"{key} names unknown UZOVI {', '.join(sorted(unknown))}",
                )


def _check_toestemmingen(file: str, orgs: Organisations) -> None:
    providers = {p.code for p in orgs.providers}
    bureaus = {b.agb for b in orgs.bureaus}
    for index, t in enumerate(orgs.toestemmingen):
        where = f"toestemmingen[{index}] bureau={t.bureau}"
        if t.provider not in providers:
            raise WorldFileError(
                file,
                where,
                f"provider {t.provider} is not a provider's code "
                "(use its praktijk- or instellingscode)",
            )
        if t.bureau not in bureaus:
            raise WorldFileError(file, where, f"bureau {t.bureau} is not a service bureau")
        if t.valid_to < t.valid_from:
            raise WorldFileError(file, where, "valid_to lies before valid_from")
        if t.valid_to > two_years_after(t.valid_from):
            raise WorldFileError(
                file,
                where,
                "a toestemmingsverklaring lasts at most two years "
                f"({t.valid_from} .. {t.valid_to})",
            )


def _check_scenarios(file: str, orgs: Organisations, uzovis: Set[str]) -> None:
    providers = {c for p in orgs.providers for c in p.codes}
    bureaus = {b.agb for b in orgs.bureaus}
    for index, s in enumerate(orgs.scenarios):
        where = f"scenarios[{index}] name={s.name}"
        if s.uzovi is not None and s.uzovi not in uzovis:
            raise WorldFileError(file, where, f"uzovi {s.uzovi} is not an insurer")
        if s.provider is not None and s.provider not in providers:
            raise WorldFileError(file, where, f"provider {s.provider} is not in the world")
        if s.bureau is not None and s.bureau not in bureaus:
            raise WorldFileError(file, where, f"bureau {s.bureau} is not in the world")


def check_organisations(file: str, orgs: Organisations) -> None:
    """Raise WorldFileError for the first inconsistency of world.toml."""
    uzovis = {i.uzovi for i in orgs.insurers}
    _check_codes(file, orgs)
    _check_accounts(file, orgs, uzovis)
    _check_toestemmingen(file, orgs)
    _check_scenarios(file, orgs, uzovis)


def check_scenario_persons(file: str, orgs: Organisations, bsns: Set[str]) -> None:
    """Every scenario BSN must be a person of population.csv."""
    for index, s in enumerate(orgs.scenarios):
        if s.bsn is not None and s.bsn not in bsns:
            raise WorldFileError(
                file,
                f"scenarios[{index}] name={s.name}",
                f"bsn {s.bsn} is not in the population file",
            )
