"""world.toml <-> the organisations, accounts, toestemmingen and scenarios of a World.

Pure: a TOML document (as parsed by tomllib) in, model values out, and back. The population
lives in population.csv (see ``_csv``); cross-references are checked in ``_validate``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from world._fields import AGB, DIGITS14, UZOVI, Entry, tables
from world._model import (
    Account,
    AccountKind,
    Bureau,
    Delivery,
    DeliveryMode,
    Insurer,
    InsurerPolicy,
    Provider,
    Scenario,
    Service,
    TermKind,
    Toestemming,
    World,
    totp_secret,
)

__all__ = ["Organisations", "read_document", "world_document"]

_BSN_SHAPE = re.compile(r"[0-9]{9}")
_KIND = re.compile(r"[0-9]{2}")
_BASE32 = re.compile(r"[A-Z2-7]{16,}=*")  # a TOTP secret as authenticatie-apps take it


@dataclass(frozen=True, slots=True, kw_only=True)
class Organisations:
    """Everything of world.toml: the World minus its persons."""

    seed: int
    today: dt.date | None
    insurers: tuple[Insurer, ...]
    providers: tuple[Provider, ...]
    bureaus: tuple[Bureau, ...]
    accounts: tuple[Account, ...]
    toestemmingen: tuple[Toestemming, ...]
    scenarios: tuple[Scenario, ...]


def _delivery(d: Delivery) -> dict[str, Any]:
    return {"delivery": d.mode.value, **({"endpoint": d.endpoint} if d.endpoint else {})}


def _policy(p: InsurerPolicy) -> dict[str, Any]:
    return {
        "term_kind": p.term_kind.value,
        "term_length": p.term_length,
        "payment_term_days": p.payment_term_days,
        "rejects_wlz": p.rejects_wlz,
        "practice_code_required": p.practice_code_required,
        "whole_file_rejection": p.whole_file_rejection,
        "processing_delay_seconds": p.processing_delay_seconds,
        "delay_jitter_seconds": p.delay_jitter_seconds,
        "supported_standards": sorted(p.supported_standards),
        "machtiging_codes": sorted(p.machtiging_codes),
        "contracted_tariffs": dict(sorted(p.contracted_tariffs.items())),
        "max_tariffs": dict(sorted(p.max_tariffs.items())),
        "coverage": {name: sorted(codes) for name, codes in sorted(p.coverage.items())},
    }


def _optional(**values: object) -> dict[str, object]:
    """TOML has no null: absent keys stand for None."""
    return {k: v for k, v in values.items() if v is not None}


def world_document(world: World) -> dict[str, Any]:
    """The TOML document of ``world`` (without its persons), in a stable key order."""
    return {
        "seed": world.seed,
        **_optional(today=world.today),
        "insurers": [
            {
                "uzovi": i.uzovi,
                "name": i.name,
                "group": i.group,
                **_delivery(i.delivery),
                "policy": _policy(i.policy),
            }
            for i in world.insurers
        ],
        "providers": [
            {
                "agb": p.agb,
                **_optional(practice_agb=p.practice_agb, institution_agb=p.institution_agb),
                "kind": p.kind,
                "name": p.name,
                "standard": p.standard,
                "contracted_with": sorted(p.contracted_with),
                **_optional(
                    practitioners=sorted(p.practitioners) or None,
                    cov_refused_by=sorted(p.cov_refused_by) or None,
                ),
                **_delivery(p.delivery),
            }
            for p in world.providers
        ],
        "bureaus": [{"agb": b.agb, "name": b.name, **_delivery(b.delivery)} for b in world.bureaus],
        "accounts": [
            {
                "user_number": a.user_number,
                "kind": a.kind.value,
                "name": a.name,
                "organisation": a.organisation,
                "services": sorted(s.value for s in a.services),
                **_optional(totp_secret=a.totp_secret),
            }
            for a in world.accounts
        ],
        "toestemmingen": [
            {
                "provider": t.provider,
                "bureau": t.bureau,
                "service": t.service.value,
                "valid_from": t.valid_from,
                "valid_to": t.valid_to,
            }
            for t in world.toestemmingen
        ],
        "scenarios": [
            {
                "name": s.name,
                "triggers": s.triggers,
                **_optional(
                    bsn=s.bsn,
                    birth_date=s.birth_date,
                    uzovi=s.uzovi,
                    verzekerdennummer=s.verzekerdennummer,
                    provider=s.provider,
                    bureau=s.bureau,
                ),
            }
            for s in world.scenarios
        ],
    }


def _read_delivery(e: Entry) -> Delivery:
    mode = e.enum("delivery", DeliveryMode, DeliveryMode.PULL)
    endpoint = e.opt_text("endpoint")
    if mode is DeliveryMode.PUSH and not (endpoint or "").startswith("https://"):
        raise e.fail("push delivery needs an 'endpoint' starting with https://")
    return Delivery(mode=mode, endpoint=endpoint)


def _read_policy(e: Entry) -> InsurerPolicy:
    return InsurerPolicy(
        term_kind=e.enum("term_kind", TermKind, TermKind.MONTHS_AFTER_TREATMENT),
        term_length=e.integer("term_length", 12),
        payment_term_days=e.integer("payment_term_days", 30),
        rejects_wlz=e.flag("rejects_wlz", True),
        practice_code_required=e.flag("practice_code_required", False),
        whole_file_rejection=e.flag("whole_file_rejection", False),
        processing_delay_seconds=e.number("processing_delay_seconds", 0.0),
        delay_jitter_seconds=e.number("delay_jitter_seconds", 0.0),
        supported_standards=e.str_set("supported_standards") or InsurerPolicy().supported_standards,
        machtiging_codes=e.str_set("machtiging_codes"),
        contracted_tariffs=e.cents("contracted_tariffs"),
        max_tariffs=e.cents("max_tariffs"),
        coverage=e.code_sets("coverage"),
    )


def _insurer(e: Entry) -> Insurer:
    return Insurer(
        uzovi=e.text("uzovi", UZOVI),
        name=e.text("name"),
        group=e.text("group"),
        policy=_read_policy(e.table("policy")),
        delivery=_read_delivery(e),
    )


def _provider(e: Entry) -> Provider:
    return Provider(
        agb=e.text("agb", AGB),
        practice_agb=e.opt_text("practice_agb", AGB),
        institution_agb=e.opt_text("institution_agb", AGB),
        kind=e.text("kind", _KIND),
        name=e.text("name"),
        standard=e.text("standard"),
        contracted_with=e.str_set("contracted_with", UZOVI),
        delivery=_read_delivery(e),
        practitioners=e.str_set("practitioners", AGB),
        cov_refused_by=e.str_set("cov_refused_by", UZOVI),
    )


def _bureau(e: Entry) -> Bureau:
    agb = e.text("agb", AGB)
    if not agb.startswith("98"):
        raise e.fail(f"a service bureau's AGB has zorgverlenersoort 98, not {agb[:2]}")
    return Bureau(agb=agb, name=e.text("name"), delivery=_read_delivery(e))


def _account(e: Entry, seed: int) -> Account:
    services = e.str_set("services")
    unknown = services - {s.value for s in Service}
    if unknown:
        raise e.fail(f"unknown services {sorted(unknown)}; allowed: declareren, cov, berichten")
    number, kind = e.text("user_number", DIGITS14), e.enum("kind", AccountKind)
    secret = e.opt_text("totp_secret", _BASE32)
    if secret is None and kind is AccountKind.PERSON:
        # A world written before the portal had no secrets: derive the one it would have had.
        secret = totp_secret(seed=seed, user_number=number)
    return Account(
        user_number=number,
        kind=kind,
        name=e.text("name"),
        organisation=e.text("organisation"),
        services=frozenset(Service(s) for s in services),
        totp_secret=secret,
    )


def _toestemming(e: Entry) -> Toestemming:
    return Toestemming(
        provider=e.text("provider", AGB),
        bureau=e.text("bureau", AGB),
        service=e.enum("service", Service, Service.DECLAREREN),
        valid_from=e.day("valid_from"),
        valid_to=e.day("valid_to"),
    )


def _scenario(e: Entry) -> Scenario:
    return Scenario(
        name=e.text("name"),
        triggers=e.text("triggers"),
        bsn=e.opt_text("bsn", _BSN_SHAPE),
        birth_date=e.opt_day("birth_date"),
        uzovi=e.opt_text("uzovi", UZOVI),
        verzekerdennummer=e.opt_text("verzekerdennummer"),
        provider=e.opt_text("provider", AGB),
        bureau=e.opt_text("bureau", AGB),
    )


def read_document(document: Mapping[str, object], *, file: str) -> Organisations:
    """Typed values from a parsed world.toml; raises WorldFileError on the first wrong field."""
    top = Entry(file=file, where="top level", data=document)
    seed = top.integer("seed")
    return Organisations(
        seed=seed,
        today=top.opt_day("today"),
        insurers=tuple(_insurer(e) for e in tables(file, document, "insurers", "uzovi")),
        providers=tuple(_provider(e) for e in tables(file, document, "providers", "agb")),
        bureaus=tuple(_bureau(e) for e in tables(file, document, "bureaus", "agb")),
        accounts=tuple(
            _account(e, seed) for e in tables(file, document, "accounts", "user_number")
        ),
        toestemmingen=tuple(
            _toestemming(e) for e in tables(file, document, "toestemmingen", "bureau")
        ),
        scenarios=tuple(_scenario(e) for e in tables(file, document, "scenarios", "name")),
    )
