"""Every name a package exports is one somebody outside it uses.

A package's ``__all__`` (and that of a public module such as ``provider_client.commands``) is
its promise to other rooms, the tests and the benchmarks. The rule, kept here so an unused
export fails CI instead of growing the promise:

- a name in ``__all__`` is imported or used by a module outside its package (another package,
  ``tests/``, ``bench/``); or
- it is an exception class: a package's error tree is public in full, so a caller can catch
  the base or any branch (h11's style), raised or not; or
- it is a type in the signature of another exported function, method or field, so a caller
  can annotate what it is handed; or
- it is another package's class or function, re-exported where users found it before (vektis
  re-exports the ``identifiers`` leaf; tests/unit/test_identifiers.py keeps them one object).

Everything else is imported from its private module by the package itself (and by a test of
its internals, which then says ``from package._module import name``).
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(d.name for d in ROOT.iterdir() if (d / "__init__.py").is_file())
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def public_modules() -> Iterator[str]:
    """Each package and each of its modules without a leading underscore that has __all__."""
    for package in PACKAGES:
        yield package
        for path in sorted((ROOT / package).glob("[!_]*.py")):
            if "__all__" in path.read_text(encoding="utf-8"):
                yield f"{package}.{path.stem}"


def names_used(tree: ast.Module, module: str) -> set[str]:
    """Names of ``module`` that one parsed file imports or reads as attributes."""
    parent, _, last = module.rpartition(".")
    aliases, used = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            if node.module == module:
                used.update(alias.name for alias in node.names)
            elif node.module == parent:
                aliases.update(a.asname or a.name for a in node.names if a.name == last)
        elif isinstance(node, ast.Import):
            aliases.update(a.asname or a.name for a in node.names if a.name == module)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and ast.unparse(node.value) in aliases:
            used.add(node.attr)
    return used


@functools.cache
def parsed_sources() -> tuple[tuple[Path, ast.Module], ...]:
    """Every module of the packages, the tests and the benchmarks, parsed once per session."""
    paths = [p for folder in [*PACKAGES, "tests", "bench"] for p in (ROOT / folder).rglob("*.py")]
    return tuple((p, ast.parse(p.read_text(encoding="utf-8"))) for p in paths)


def used_outside(module: str) -> set[str]:
    package = ROOT / module.split(".")[0]
    used: set[str] = set()
    for path, tree in parsed_sources():
        if not path.is_relative_to(package):
            used |= names_used(tree, module)
    return used


def _annotation_names(target: object) -> set[str]:
    target = target.fget if isinstance(target, property) else target
    target = getattr(target, "__func__", target)
    try:
        signature = inspect.signature(target)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return set()
    annotations = [p.annotation for p in signature.parameters.values()]
    annotations.append(signature.return_annotation)
    return {
        name
        for a in annotations
        if a is not inspect.Signature.empty
        for name in _IDENTIFIER.findall(str(a))
    }


def signature_names(module: ModuleType) -> set[str]:
    """Names in the annotations of the exported functions, classes, methods and fields."""
    names: set[str] = set()
    for name in module.__all__:
        exported = getattr(module, name)
        if not inspect.isclass(exported):
            names |= _annotation_names(exported) if callable(exported) else set()
            continue
        for member_name, member in vars(exported).items():
            if not member_name.startswith("_") or member_name == "__init__":
                names |= _annotation_names(member)
        fields = getattr(exported, "__annotations__", {})
        names |= {n for a in fields.values() for n in _IDENTIFIER.findall(str(a))}
    return names


def _exempt(exported: object, package: str) -> bool:
    """An exception class, or a class or function of another package (a re-export)."""
    if inspect.isclass(exported) and issubclass(exported, BaseException):
        return True
    home = getattr(exported, "__module__", None) if callable(exported) else None
    return home is not None and home.split(".")[0] != package


def unused_exports(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    package = module_name.split(".")[0]
    used = used_outside(module_name) | signature_names(module)
    return [
        name
        for name in module.__all__
        if name not in used and not _exempt(getattr(module, name), package)
    ]


@pytest.mark.parametrize("module", list(public_modules()))
def test_every_exported_name_is_used_outside_its_package(module: str) -> None:
    unused = unused_exports(module)
    assert not unused, f"{module} exports names nobody outside uses: {unused}"


def test_the_scanner_sees_imports_and_attributes() -> None:
    tree = ast.parse(
        "import gateway\nfrom gateway import Store as S\nfrom vecozo_sim import cli\n"
        "gateway.Gateway(); cli.main()\n"
    )
    assert names_used(tree, "gateway") == {"Store", "Gateway"}
    assert names_used(tree, "vecozo_sim.cli") == {"main"}
