"""Fixtures shared by the unit tests of the insurer stubs' shell (host, admin app, command line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vecozo_sim._cmd_world import issue_certificates
from world import HomeLayout, generate_world, save_world


@pytest.fixture(scope="session")
def template_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with a small world and its certificates; tests copy it, never write to it."""
    root = tmp_path_factory.mktemp("insurer-world")
    layout = HomeLayout(root=root)
    world = generate_world(seed=1, persons=200)
    save_world(world, layout)
    issue_certificates(world, layout)
    return root
