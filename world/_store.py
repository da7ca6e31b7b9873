"""The I/O shell: ``save_world`` and ``load_world`` on a world directory (``HomeLayout``).

world.toml holds what people edit by hand (organisations, policies, accounts, toestemmingen,
scenarios); population.csv the many insured persons. Writing goes through a temporary file and
a rename so a crash never leaves half a world behind.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import tomli_w

from world._csv import population_text, read_population
from world._errors import WorldFileError
from world._home import HomeLayout
from world._model import World
from world._scenarios import DOUBLE_INSURED_SCENARIO, INVALID_BSN_SCENARIO
from world._toml import read_document, world_document
from world._validate import check_organisations, check_scenario_persons

__all__ = ["load_world", "save_world"]

_HEADER = (
    "# vecozo-sim world: organisations, policies, accounts, toestemmingen and scenarios.\n"
    "# Edit freely; `vecozo-sim world show` checks it. Persons live in population.csv.\n"
    "# Amounts are euro cents; dates are YYYY-MM-DD; absent keys mean 'none'.\n\n"
)


def _write(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def save_world(world: World, layout: HomeLayout) -> None:
    """Write world.toml and population.csv; the same world always gives the same bytes."""
    layout.root.mkdir(parents=True, exist_ok=True)
    toml = _HEADER + tomli_w.dumps(world_document(world))
    _write(layout.world_file, toml.encode("utf-8"))
    _write(layout.population_file, population_text(world.persons).encode("utf-8"))


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WorldFileError(str(path), "", "file not found (run `vecozo-sim init`)") from None
    except UnicodeDecodeError as exc:
        raise WorldFileError(str(path), f"byte {exc.start}", "not UTF-8 text") from None


def load_world(layout: HomeLayout) -> World:
    """Read and validate a world directory; raises WorldFileError naming file, place, problem."""
    toml_file, csv_file = str(layout.world_file), str(layout.population_file)
    try:
        document = tomllib.loads(_read_text(layout.world_file))
    except tomllib.TOMLDecodeError as exc:
        raise WorldFileError(toml_file, "", f"not valid TOML: {exc}") from None
    orgs = read_document(document, file=toml_file)
    check_organisations(toml_file, orgs)
    invalid = {s.bsn for s in orgs.scenarios if s.name == INVALID_BSN_SCENARIO and s.bsn}
    double = {s.bsn for s in orgs.scenarios if s.name == DOUBLE_INSURED_SCENARIO and s.bsn}
    persons = read_population(
        _read_text(layout.population_file),
        file=csv_file,
        uzovis={i.uzovi for i in orgs.insurers},
        invalid_bsns=invalid,
        double_insured=double,
        groups={i.uzovi: i.group for i in orgs.insurers},
    )
    check_scenario_persons(toml_file, orgs, {p.bsn for p in persons})
    return World(
        seed=orgs.seed,
        today=orgs.today,
        insurers=orgs.insurers,
        providers=orgs.providers,
        bureaus=orgs.bureaus,
        accounts=orgs.accounts,
        toestemmingen=orgs.toestemmingen,
        persons=persons,
        scenarios=orgs.scenarios,
    )
