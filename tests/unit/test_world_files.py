"""save_world / load_world: a faithful round trip, and broken files named precisely."""

from __future__ import annotations

import datetime as dt
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from world import HomeLayout, World, WorldFileError, generate_world, load_world, save_world

TODAY = dt.date(2026, 3, 1)
Document = dict[str, Any]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, HomeLayout]:
    world = generate_world(seed=3, persons=150, today=TODAY)
    layout = HomeLayout(root=tmp_path_factory.mktemp("world"))
    save_world(world, layout)
    return world, layout


@pytest.fixture
def copy(saved: tuple[World, HomeLayout], tmp_path: Path) -> HomeLayout:
    layout = HomeLayout(root=tmp_path / "home")
    shutil.copytree(saved[1].root, layout.root)
    return layout


def test_round_trip_gives_the_same_world(saved: tuple[World, HomeLayout]) -> None:
    world, layout = saved
    assert load_world(layout) == world


def _edit_toml(layout: HomeLayout, change: Callable[[Document], None]) -> None:
    document = tomllib.loads(layout.world_file.read_text())
    change(document)
    layout.world_file.write_text(tomli_w.dumps(document))


def _long_toestemming(doc: Document) -> None:
    doc["toestemmingen"][0]["valid_to"] = dt.date(2030, 1, 1)


def _unknown_organisation(doc: Document) -> None:
    doc["accounts"][0]["organisation"] = "4444"


def _uzovi_as_number(doc: Document) -> None:
    doc["insurers"][1]["uzovi"] = 101


def _bureau_not_98(doc: Document) -> None:
    doc["bureaus"][0]["agb"] = "12999999"


def _datetime_not_date(doc: Document) -> None:
    doc["toestemmingen"][1]["valid_from"] = dt.datetime(2025, 1, 1, 12, 0)


def _unknown_contract(doc: Document) -> None:
    doc["providers"][0]["contracted_with"] = ["7095", "1234"]


def _push_without_endpoint(doc: Document) -> None:
    del doc["insurers"][0]["endpoint"]


def _invalid_bsn_unexcused(doc: Document) -> None:
    """Renaming the scenario withdraws the only licence to fail the 11-proef."""
    for scenario in doc["scenarios"]:
        if scenario["name"] == "invalid-bsn":
            scenario["name"] = "renamed"


def _unknown_cov_refuser(doc: Document) -> None:
    doc["providers"][1]["cov_refused_by"] = ["3332", "1234"]


def _practitioner_not_agb(doc: Document) -> None:
    doc["providers"][0]["practitioners"] = ["1210003"]


def _agb_in_arabic_indic_digits(doc: Document) -> None:
    doc["providers"][0]["practitioners"] = ["\u0661\u0662\u0661\u0660\u0660\u0660\u0660\u0663"]


def _double_insured_unexcused(doc: Document) -> None:
    """Renaming the scenario withdraws the only licence to hold two basis policies at once."""
    for scenario in doc["scenarios"]:
        if scenario["name"] == "double-insured":
            scenario["name"] = "renamed"


@pytest.mark.parametrize(
    ("change", "file", "expected"),
    [
        (_unknown_cov_refuser, "world.toml", "providers[1] agb=12100002: cov_refused_by names"),
        (_practitioner_not_agb, "world.toml", "field 'practitioners' has malformed codes"),
        (_agb_in_arabic_indic_digits, "world.toml", "field 'practitioners' has malformed"),
        (_double_insured_unexcused, "population.csv", "basis policies overlap"),
        (_long_toestemming, "world.toml", "toestemmingen[0] bureau=98100001: a toestemmings"),
        (_unknown_organisation, "world.toml", "accounts[0] user_number=2000070950000"),
        (_uzovi_as_number, "world.toml", "insurers[1]: field 'uzovi' must be a string"),
        (_bureau_not_98, "world.toml", "bureaus[0] agb=12999999: a service bureau's AGB"),
        (_datetime_not_date, "world.toml", "field 'valid_from' must be a date"),
        (_unknown_contract, "world.toml", "providers[0] agb=12100001: contracted_with names"),
        (_push_without_endpoint, "world.toml", "insurers[0] uzovi=7095: push delivery needs"),
        (_invalid_bsn_unexcused, "population.csv", "BSN 999900011 fails the 11-proef"),
    ],
)
def test_broken_world_toml_is_named(
    copy: HomeLayout, change: Callable[[Document], None], file: str, expected: str
) -> None:
    _edit_toml(copy, change)
    with pytest.raises(WorldFileError) as caught:
        load_world(copy)
    assert caught.value.file.endswith(file)
    assert expected in str(caught.value)


def test_toml_syntax_error_names_the_line(copy: HomeLayout) -> None:
    copy.world_file.write_text(copy.world_file.read_text() + "\nbroken = = 1\n")
    with pytest.raises(WorldFileError, match=r"world\.toml: not valid TOML: .*line \d+"):
        load_world(copy)


def _replace_line(layout: HomeLayout, number: int, change: Callable[[str], str]) -> None:
    lines = layout.population_file.read_text().splitlines(keepends=True)
    lines[number - 1] = change(lines[number - 1])
    layout.population_file.write_text("".join(lines))


@pytest.mark.parametrize(
    ("line", "change", "expected"),
    [
        (20, lambda s: s[:8] + str((int(s[8]) + 1) % 10) + s[9:], "fails the 11-proef"),
        (2, lambda s: s.replace("1980-05-17", "1980-13-17"), "birth_date is not a date"),
        (2, lambda s: s.replace("7095:", "4321:", 1), "unknown UZOVI '4321'"),
        (2, lambda s: s.replace(",1,", ",3,", 1), "sex must be 1 or 2"),
        (2, lambda s: s.replace(",1011AB,1,", ",1011AB,\u00b2,", 1), "house number must be"),
        # \d would take Arabic-Indic digits for a postcode's or a BSN's digits
        (2, lambda s: s.replace(",1011AB,", ",1\u0660\u0661\u0661AB,", 1), "postcode like 1234AB"),
        (2, lambda s: "\u0669" + s[1:], "BSN must be nine digits"),
        (2, lambda s: s.replace(":basis:", ":extra:", 1), "policy kind 'extra' is neither"),
        (2, lambda s: s.rstrip("\n") + ",extra\n", "expected 12 columns, found 13"),
        (8, lambda s: s.replace("2025-12-31", "2026-01-01", 1), "basis policies overlap"),
        (5, lambda s: s.replace("2025-03-15", "2014-03-15"), "ends (2014-03-15) before it starts"),
        (3, lambda s: "999900006" + s[9:], "BSN 999900006 repeated"),
        (
            6,
            lambda s: s.replace("7095:900000004", "0736:900000001"),
            "verzekerdennummer 900000001 at 0736 already belongs to BSN 999900006 (line 2) "
            "in insurer group VGZ",
        ),
    ],
)
def test_broken_population_names_the_line(
    copy: HomeLayout, line: int, change: Callable[[str], str], expected: str
) -> None:
    _replace_line(copy, line, change)
    with pytest.raises(WorldFileError) as caught:
        load_world(copy)
    assert str(caught.value).startswith(f"{copy.population_file}: line {line}: ")
    assert expected in str(caught.value)


def test_a_verzekerdennummer_may_recur_in_another_insurer_group(copy: HomeLayout) -> None:
    # 900000001 is the insured-vgz person's number at 7095 (VGZ); at 3311 (Achmea) it is free.
    _replace_line(copy, 3, lambda s: s.replace("3311:900000002", "3311:900000001"))
    person = load_world(copy).person("999900018")
    assert person is not None
    assert {c.verzekerdennummer for c in person.coverages} == {"900000001"}


def test_scenario_bsn_missing_from_population(copy: HomeLayout) -> None:
    lines = copy.population_file.read_text().splitlines(keepends=True)
    copy.population_file.write_text("".join(line for line in lines if "999900031" not in line))
    with pytest.raises(WorldFileError, match=r"name=not-insured: bsn 999900031 is not in"):
        load_world(copy)


def test_missing_file_says_to_run_init(tmp_path: Path) -> None:
    with pytest.raises(WorldFileError, match=r"world\.toml: file not found"):
        load_world(HomeLayout(root=tmp_path))


WLZ_LINE = 6  # population.csv: the wlz-client scenario person, wlz column "2026-01-01:"


def test_wlz_stays_are_dated_and_the_older_flag_still_loads(copy: HomeLayout) -> None:
    _replace_line(
        copy, WLZ_LINE, lambda s: s.replace(",2026-01-01:,", ",2024-02-01:2024-03-31;2026-01-01:,")
    )
    person = load_world(copy).person("999900055")
    assert person is not None
    assert [(w.start, w.end) for w in person.wlz_stays] == [
        (dt.date(2024, 2, 1), dt.date(2024, 3, 31)),
        (dt.date(2026, 1, 1), None),
    ]
    assert person.in_wlz_on(dt.date(2024, 3, 31))
    assert not person.in_wlz_on(dt.date(2024, 4, 1))
    _replace_line(copy, WLZ_LINE, lambda s: s.replace(",2024-02-01:2024-03-31;2026-01-01:,", ",1,"))
    older = load_world(copy).person("999900055")
    assert older is not None
    assert older.in_wlz_on(older.birth_date)  # a Wlz client without dates: since birth
    _replace_line(copy, WLZ_LINE, lambda s: s.replace(",1,", ",0,"))
    assert not load_world(copy).person("999900055").wlz  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-02-01:2026-01-01", "wlz stay ends (2026-01-01) before it starts (2026-02-01)"),
        ("2026-01-01", "wlz stay '2026-01-01' needs 2 fields"),
        ("2026-13-01:", "wlz stay start is not a date"),
    ],
)
def test_broken_wlz_stay_names_the_line(copy: HomeLayout, cell: str, expected: str) -> None:
    _replace_line(copy, WLZ_LINE, lambda s: s.replace(",2026-01-01:,", f",{cell},"))
    with pytest.raises(WorldFileError) as caught:
        load_world(copy)
    assert str(caught.value).startswith(f"{copy.population_file}: line {WLZ_LINE}: ")
    assert expected in str(caught.value)
