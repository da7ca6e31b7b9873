"""Conformance of our readers and writers with the published VECOZO OpenAPI documents.

The documents are the copies the gateway ships and serves (gateway/contracts; the routes test
checks they equal the published ones). Rather than comparing constants, each schema is walked
next to a fully populated sample, and every rule found (required, additionalProperties false,
minLength, maxLength, minItems, maxItems, minimum, maximum, format) is probed against our parser:
a value just inside must pass, one just outside must fail on exactly that field's path.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from berichten import (
    ZOEKPAD_TYPES,
    Berichtstatus,
    SchemaError,
    metadata_to_json,
    parse_berichtstatussen,
    parse_metadata,
    parse_pull_metadata,
    parse_zoekpad,
    pull_metadata_to_json,
    zoekpad_to_json,
)

SPEC_DIR = Path(__file__).parents[2] / "gateway" / "contracts"

UUID1 = "e1efb57c-9e95-478f-976a-3a80cf797129"
UUID2 = "0b9a8f9e-5d4c-4b3a-9f8e-7d6c5b4a3f2e"
Segment = str | int
DELETE = object()


def load(name: str) -> dict[str, Any]:
    return json.loads((SPEC_DIR / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


PUSH = load("berichtuitwisseling-rest-push-v1.json")
PULL = load("berichtuitwisseling-rest-pull-v1.json")
STATUS = load("berichtstatus-rest-pull-v3.json")

ROUTERING = {
    "afzender": {"rol": "Praktijk", "code": "10000001"},
    "geadresseerden": [{"rol": "Zorgverzekeraar", "code": "3311"}],
    "berichtstroom": {
        "berichttype": "MZ301",
        "berichtsubtype": "Declaratie",
        "berichtversie": 1,
        "berichtsubversie": 3,
        "actie": "Indienen",
    },
}
REFERENTIE = {
    "conversatieId": UUID1,
    "traceerId": UUID2,
    "alsAntwoordOp": UUID1,
    "referentieId": "r",
}
CONTEXT = [{"sleutel": "indiener", "waarde": ["12345678"]}]
BASIS = {
    "ontvangenOp": "2025-11-24T16:58:44.086700+01:00",
    "payload": {
        "url": f"https://127.0.0.1/berichten/{UUID2}/payload",
        "grootte": 10,
        "checksum": {"algoritme": "SHA256", "waarde": "ab" * 32},
    },
}
STATUS_SAMPLE = {
    "referentiegegevens": REFERENTIE,
    "berichtstroom": ROUTERING["berichtstroom"],
    "berichtstatus": "AfgekeurdDoorDienst",
    "berichtstatusGewijzigdOp": "2025-11-24T16:58:44.086700+01:00",
    "meldingen": [{"code": "0001", "omschrijving": "Afgekeurd", "toelichting": "record 2"}],
    "berichtOntvangenOp": "2025-11-24T16:58:40.000+01:00",  # the exchange writes milliseconds
}
ZOEKPADEN = {
    "ZoekpadOpBerichtstroom": {
        "zoekpadType": "ZoekpadOpBerichtstroom",
        "berichttype": "MZ302",
        "berichtsubtype": "x",
        "berichtversie": 1,
        "berichtsubversie": 3,
        "actie": "Retourneren",
        "geadresseerdeRol": "Indiener",
        "geadresseerdeCode": "12345678",
    },
    "ZoekpadOpConversatieId": {"zoekpadType": "ZoekpadOpConversatieId", "conversatieId": UUID1},
    "ZoekpadOpAlsAntwoordOp": {"zoekpadType": "ZoekpadOpAlsAntwoordOp", "alsAntwoordOp": UUID2},
}


def resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow $ref and fold allOf into one node with all properties and required names."""
    while "$ref" in node:
        node = doc["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    props, required = dict(node.get("properties", {})), set(node.get("required", ()))
    for part in node.get("allOf", ()):
        inner = resolve(doc, part)
        props |= inner.get("properties", {})
        required |= set(inner.get("required", ()))
    return {**node, "properties": props, "required": sorted(required)}


Probe = tuple[str, list[Segment], object, bool]


def probes(
    doc: dict[str, Any], node: dict[str, Any], value: Any, path: list[Segment]
) -> Iterator[Probe]:
    """Every (label, path, replacement, must_fail) the schema rules imply around ``value``."""
    node = resolve(doc, node)
    if node.get("type") == "object" or node.get("properties"):
        assert set(value) == set(node["properties"]), f"sample at {path} is not full"
        yield "extra property", [*path, "onbekend"], 1, True
        for key, sub in node["properties"].items():
            if key == "zoekpadType":
                continue
            yield f"drop {key}", [*path, key], DELETE, key in node["required"]
            yield from probes(doc, sub, value[key], [*path, key])
    elif node.get("type") == "array":
        if node.get("minItems", 0) >= 1:
            yield "below minItems", path, [], True
        if "maxItems" in node:
            yield "at maxItems", path, [value[0]] * node["maxItems"], False
            yield "above maxItems", path, [value[0]] * (node["maxItems"] + 1), True
        yield from probes(doc, node["items"], value[0], [*path, 0])
    elif node.get("type") == "string":
        yield from string_probes(node, path)
    elif node.get("type") == "integer":
        yield "wrong type", path, "1", True
        if "minimum" in node:
            yield "at minimum", path, node["minimum"], False
            yield "below minimum", path, node["minimum"] - 1, True
        if "maximum" in node:
            yield "at maximum", path, node["maximum"], False
            yield "above maximum", path, node["maximum"] + 1, True


def string_probes(node: dict[str, Any], path: list[Segment]) -> Iterator[Probe]:
    yield "wrong type", path, 5, True
    if "format" in node or "enum" in node:
        yield "bad format", path, "not valid", True
        return
    if node.get("minLength", 0) >= 1:
        yield "below minLength", path, "", True
    if "maxLength" in node:
        yield "at maxLength", path, "x" * node["maxLength"], False
        yield "above maxLength", path, "x" * (node["maxLength"] + 1), True


def render(path: list[Segment], prefix: str) -> str:
    out = prefix
    for seg in path:
        out += f"[{seg}]" if isinstance(seg, int) else (f".{seg}" if out else seg)
    return out


def apply(sample: Any, path: list[Segment], replacement: object) -> Any:
    changed = copy.deepcopy(sample)
    parent = changed
    for seg in path[:-1]:
        parent = parent[seg]
    if replacement is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return changed


def check_schema(
    doc: dict[str, Any], name: str, sample: Any, parse: Callable[[Any], object], prefix: str = ""
) -> int:
    schema = {"$ref": f"#/components/schemas/{name}"}
    count = 0
    for label, path, replacement, must_fail in probes(doc, schema, sample, []):
        body = apply(sample, path, replacement)
        where = render(path, prefix)
        if must_fail:
            with pytest.raises(SchemaError) as info:
                parse(body)
            assert where in info.value.errors, f"{name} {label} at {where}: {info.value.errors}"
        else:
            parse(body)
        count += 1
    return count


def test_push_metadata_conforms() -> None:
    sample = {
        "routeringgegevens": ROUTERING,
        "referentiegegevens": REFERENTIE,
        "verwerkingscontext": CONTEXT,
    }
    assert check_schema(PUSH, "BerichtMetadata", sample, parse_metadata) > 40
    assert metadata_to_json(parse_metadata(sample)) == sample


def test_pull_metadata_conforms() -> None:
    sample = {
        "basisgegevens": BASIS,
        "routeringgegevens": ROUTERING,
        "referentiegegevens": REFERENTIE,
        "verwerkingscontext": CONTEXT,
    }
    assert check_schema(PULL, "BerichtMetadata", sample, parse_pull_metadata) > 50
    assert pull_metadata_to_json(parse_pull_metadata(sample)) == sample


def test_berichtstatus_gegevens_conforms() -> None:
    count = check_schema(
        STATUS, "BerichtstatusGegevens", STATUS_SAMPLE, lambda o: parse_berichtstatussen([o]), "[0]"
    )
    assert count > 30
    (parsed,) = parse_berichtstatussen([STATUS_SAMPLE])
    assert parsed.to_json() == STATUS_SAMPLE


def test_berichtstatus_enum_matches() -> None:
    assert [s.value for s in Berichtstatus] == STATUS["components"]["schemas"]["Berichtstatus"][
        "enum"
    ]


@pytest.mark.parametrize("name", list(ZOEKPADEN))
def test_zoekpad_variants_conform(name: str) -> None:
    assert check_schema(PULL, name, ZOEKPADEN[name], parse_zoekpad) > 3
    assert zoekpad_to_json(parse_zoekpad(ZOEKPADEN[name])) == ZOEKPADEN[name]


def test_zoekpad_discriminator_matches() -> None:
    zoekpad = PULL["components"]["schemas"]["Zoekpad"]
    assert zoekpad["discriminator"]["propertyName"] == "zoekpadType"
    assert list(ZOEKPAD_TYPES) == list(zoekpad["discriminator"]["mapping"])
