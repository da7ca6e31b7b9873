"""The client's caches: bounded, exact about which world they describe, fresh after an edit."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

import vektis
from provider_client._draw import Pool, _cached_pool, build_context
from provider_client._world import _WORLDS_KEPT, _load, load_world_of
from world import HomeLayout, World, generate_world, save_world

TODAY = dt.date(2025, 6, 15)


def _pool(world: World) -> Pool:
    provider, insurer = world.provider("12050001"), world.insurer("7095")
    assert provider is not None
    assert insurer is not None
    return build_context(
        world,
        provider=provider,
        insurer=insurer,
        standard_codes=tuple(p.code for p in vektis.prestatiecodes("MZ301")),
        start=dt.date(2025, 5, 1),
        end=dt.date(2025, 5, 31),
        today=TODAY,
    ).pool


def test_an_equal_world_that_is_another_object_gets_its_own_pool() -> None:
    first, second = (generate_world(seed=7, persons=100, today=TODAY) for _ in range(2))
    assert _pool(first) is _pool(first)
    assert _pool(second) is not _pool(first)
    assert _pool(second) == _pool(first)  # same seed, same persons: only the identity differs
    assert _cached_pool.cache_info().maxsize == 64


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> list[HomeLayout]:
    world = generate_world(seed=3, persons=5, today=TODAY)
    layouts = [HomeLayout(root=tmp_path_factory.mktemp(f"home{i}")) for i in range(6)]
    for layout in layouts:
        save_world(world, layout)
    return layouts


def test_a_world_is_read_once_until_its_file_changes(homes: list[HomeLayout]) -> None:
    layout = homes[0]
    loaded = load_world_of(layout)
    assert load_world_of(layout) is loaded
    stat = layout.world_file.stat()
    os.utime(layout.world_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_world_of(layout) is not loaded


def test_only_the_last_few_worlds_are_kept(homes: list[HomeLayout]) -> None:
    first = load_world_of(homes[0])
    for layout in homes[1:]:
        load_world_of(layout)
    assert _load.cache_info().currsize <= _WORLDS_KEPT < len(homes)
    assert load_world_of(homes[0]) is not first  # evicted, read again


def test_a_missing_world_names_the_home(tmp_path: Path) -> None:
    from provider_client import ConfigurationError

    with pytest.raises(ConfigurationError, match="no world in"):
        load_world_of(HomeLayout(root=tmp_path))
