"""Every retourcode the product emits is in ``vektis/data/retourcodes.psv``, with its text.

Emitted codes come from three places: the layouts (the retourcode column of every field), the
code of the packages that judge files (vektis validation, the gateway's meldingen, the insurer
stub's rules) and the constants those packages export. The code is read with ``ast``: a 4-digit
string literal counts as a retourcode where the code uses it as one (passed as ``code``,
appended to or yielded as a list of codes, kept in an upper-case constant or in a literal list
of codes); field numbers and UZOVI numbers, which look the same, are used in other places.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import vektis

ROOT = Path(__file__).resolve().parents[2]
EMITTING_PACKAGES = ("vektis", "gateway", "insurer_stub", "berichten")
_CODE = re.compile(r"[0-9]{4}")
# Where a call passes a retourcode positionally: Run.add/Structure.add(number, record_type,
# field, code, message) and _fail(number, record_type, code, message, field).
_CODE_POSITION = {"add": 3, "_fail": 2}
_CODE_KEYWORDS = frozenset({"code", "codes", "retourcode"})
_LIST_METHODS = frozenset({"append", "insert"})


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _is_constant(assignment: ast.Assign | ast.AnnAssign) -> bool:
    """An upper-case module constant such as ``PARTIAL_AWARD = "8059"``."""
    targets = assignment.targets if isinstance(assignment, ast.Assign) else [assignment.target]
    return any(isinstance(t, ast.Name) and t.id.isupper() for t in targets)


def _is_code_use(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether the literal ``node`` is used as a retourcode where it stands."""
    parent = parents.get(node)
    while isinstance(parent, ast.IfExp | ast.List | ast.Tuple | ast.Set):
        node, parent = parent, parents.get(parent)
    if isinstance(parent, ast.For):  # for value, retourcode in ((x, "0014"), ...)
        return any(
            isinstance(n, ast.Name) and n.id in _CODE_KEYWORDS for n in ast.walk(parent.target)
        )
    if isinstance(parent, ast.keyword):
        return parent.arg in _CODE_KEYWORDS
    if isinstance(parent, ast.Call):
        if node in parent.args:
            index = parent.args.index(node)  # type: ignore[arg-type]
            name = _callee(parent)
            return _CODE_POSITION.get(name) == index or (
                name in _LIST_METHODS and isinstance(parent.func, ast.Attribute)
            )
        return False
    if isinstance(parent, ast.Compare):  # "8021" not in codes
        return parent.left is node and isinstance(parent.ops[0], ast.In | ast.NotIn)
    if isinstance(parent, ast.Yield | ast.Return):
        return True
    if isinstance(parent, ast.Assign | ast.AnnAssign):
        return _is_constant(parent)
    if isinstance(parent, ast.Dict):
        # values of an upper-case table of codes (_COUNT_CODES), never its keys
        owner = parents.get(parent)
        return (
            node in parent.values
            and isinstance(owner, ast.Assign | ast.AnnAssign)
            and (_is_constant(owner))
        )
    if isinstance(parent, ast.arguments):
        return any(
            default is node and arg.arg in _CODE_KEYWORDS
            for arg, default in zip(parent.kwonlyargs, parent.kw_defaults, strict=True)
        )
    return False


def _literal_codes(path: Path) -> Iterator[tuple[str, int]]:
    tree = ast.parse(path.read_text("utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _CODE.fullmatch(node.value)
            and _is_code_use(node, parents)
        ):
            yield node.value, node.lineno


def emitted_in_code() -> dict[str, str]:
    """Every retourcode literal of the emitting packages, with where it stands."""
    found: dict[str, str] = {}
    for package in EMITTING_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for code, line in _literal_codes(path):
                found.setdefault(code, f"{path.relative_to(ROOT)}:{line}")
    return found


def emitted_by_layouts() -> dict[str, str]:
    return {
        f.retourcode: f"{standard.name} field {f.number}"
        for standard in vektis.STANDARDS.values()
        for layout in standard.records.values()
        for f in layout.fields
        if f.retourcode
    }


def test_the_scan_finds_the_codes_it_must_see() -> None:
    """The scan is not vacuous: known codes of each kind of use are found."""
    found = emitted_in_code()
    # a keyword (code="0010"), a positional add(), an append(), a yield, a constant, an IfExp
    for code in ("0010", "8095", "8061", "0014", "0017", "8001", "0030", "0151", "8176"):
        assert code in found, code
    # field numbers and UZOVI numbers are not taken for retourcodes
    for not_a_code in ("0101", "0105", "0403", "7095", "1000"):
        assert not_a_code not in found, (not_a_code, found.get(not_a_code))


@pytest.mark.parametrize("source", [emitted_in_code, emitted_by_layouts], ids=["code", "layouts"])
def test_every_emitted_retourcode_is_in_the_list_with_its_text(source: object) -> None:
    emitted = source()  # type: ignore[operator]
    missing = {code: where for code, where in emitted.items() if vektis.retourcode(code) is None}
    assert missing == {}
    assert all(vektis.retourcode(code).meaning.strip() for code in emitted)  # type: ignore[union-attr]


def test_named_retourcodes_have_one_home() -> None:
    """A retourcode constant (``NOT_JUDGED = "8002"``) is defined in vektis/_codelists.py only,
    so that a code has one name and every package imports it from there."""
    home = Path("vektis", "_codelists.py")
    elsewhere = {
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for package in (*EMITTING_PACKAGES, "provider_client", "world", "vecozo_sim")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.relative_to(ROOT) != home
        for node in ast.parse(path.read_text("utf-8")).body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and _is_constant(node)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and _CODE.fullmatch(node.value.value)
    }
    assert elsewhere == set()
    assert vektis.retourcode(vektis.FULLY_AWARDED) is not None
