"""The simulated world: organisations, accounts, toestemmingen, policies, insured persons."""

from world._errors import WorldError, WorldFileError
from world._generate import generate_world
from world._home import DEFAULT_HOME, HomeLayout
from world._model import (
    Account,
    AccountKind,
    Bureau,
    Coverage,
    CoverageKind,
    Delivery,
    DeliveryMode,
    Insurer,
    InsurerPolicy,
    Machtiging,
    OrganisationKind,
    Person,
    Provider,
    Scenario,
    Service,
    TermKind,
    Toestemming,
    WlzStay,
    World,
    totp_secret,
)
from world._scenarios import INVALID_BSN_SCENARIO
from world._store import load_world, save_world
from world._store_guard import StoreGuard, StoreStateError, write_private

__all__ = [
    "DEFAULT_HOME",
    "INVALID_BSN_SCENARIO",
    "Account",
    "AccountKind",
    "Bureau",
    "Coverage",
    "CoverageKind",
    "Delivery",
    "DeliveryMode",
    "HomeLayout",
    "Insurer",
    "InsurerPolicy",
    "Machtiging",
    "OrganisationKind",
    "Person",
    "Provider",
    "Scenario",
    "Service",
    "StoreGuard",
    "StoreStateError",
    "TermKind",
    "Toestemming",
    "WlzStay",
    "World",
    "WorldError",
    "WorldFileError",
    "generate_world",
    "load_world",
    "save_world",
    "totp_secret",
    "write_private",
]
