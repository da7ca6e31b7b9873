"""Fixtures shared by the unit tests of the insurer stubs' shell (host, admin app, command line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vecozo_sim import init_home
from world import HomeLayout


@pytest.fixture(scope="session")
def template_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with a small world and its certificates; tests copy it, never write to it."""
    root = tmp_path_factory.mktemp("insurer-world")
    init_home(HomeLayout(root=root), seed=1, persons=200)
    return root
