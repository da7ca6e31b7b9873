"""The rooms of the house keep to DESIGN.md's import rules.

"vektis, berichten import nothing of the project. world and certs import at most those two.
gateway, insurer_stub and provider_client never import each other ... Only vecozo_sim imports
everything." A test reads every module's imports, so a shortcut through a wall fails CI.
"Identifiers (BSN 11-proef, AGB, UZOVI, ASCII-digit checks) live in one leaf that both `vektis`
and `berichten` may import": the leaf imports nothing of the project, every room may import it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LEAF = "identifiers"
PROJECT = {
    LEAF,
    "vektis",
    "berichten",
    "world",
    "certs",
    "gateway",
    "insurer_stub",
    "provider_client",
    "portal",
    "vecozo_sim",
}
BASE = {LEAF, "vektis", "berichten", "world", "certs"}
ALLOWED: dict[str, set[str]] = {
    LEAF: set(),
    "vektis": {LEAF},
    "berichten": {LEAF},
    "world": {LEAF, "vektis", "berichten"},
    "certs": {LEAF, "vektis", "berichten"},
    "gateway": BASE,
    "insurer_stub": BASE,
    "provider_client": BASE,
    # "portal may import gateway's public API and the pure rooms; nothing imports portal but
    # vecozo_sim" (DESIGN.md); the public API part is the rule below, for every room.
    "portal": BASE | {"gateway"},
    "vecozo_sim": PROJECT,
}


def imported_packages(path: Path) -> set[str]:
    """Top-level project packages named by the import statements of one module."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & PROJECT


@pytest.mark.parametrize("package", sorted(PROJECT))
def test_package_imports_only_what_design_allows(package: str) -> None:
    offences = {
        f"{path.relative_to(ROOT)} imports {other}"
        for path in (ROOT / package).rglob("*.py")
        for other in imported_packages(path) - ALLOWED[package] - {package}
    }
    assert not offences, sorted(offences)


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from gateway import create_app\nimport os\n", encoding="utf-8")
    assert imported_packages(module) == {"gateway"}


def test_every_room_may_use_the_leaf_and_the_leaf_uses_none() -> None:
    assert ALLOWED[LEAF] == set()
    assert all(LEAF in allowed for room, allowed in ALLOWED.items() if room != LEAF)


def private_imports(path: Path, package: str) -> set[str]:
    """Private modules of *other* project packages that one module imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            privates = [a.name for a in node.names if a.name.startswith("_")]
            modules = [node.module] + [f"{node.module}.{name}" for name in privates]
        found.update(
            m
            for m in modules
            if m.split(".")[0] in PROJECT - {package}
            and any(part.startswith("_") for part in m.split(".")[1:])
        )
    return found


@pytest.mark.parametrize("package", sorted(PROJECT))
def test_package_uses_only_the_public_api_of_another(package: str) -> None:
    """httpx's rule: private modules behind a public ``__init__``; across rooms only that."""
    offences = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / package).rglob("*.py")
        for module in private_imports(path, package)
    }
    assert not offences, sorted(offences)


def test_the_checker_sees_a_private_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from provider_client._commands import inbox\n", encoding="utf-8")
    assert private_imports(module, "vecozo_sim") == {"provider_client._commands"}
    assert private_imports(module, "provider_client") == set()
