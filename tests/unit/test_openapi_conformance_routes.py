"""Every path and method of the published OpenAPI documents is a route of the exchange.

The documents are the copies the gateway ships and serves (gateway/contracts); where the
published originals are at hand (../shared), the copies must equal them.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

import pytest

from gateway._app import ROUTES

SPECS = Path(__file__).resolve().parents[2] / "gateway" / "contracts"
PUBLISHED = Path(__file__).resolve().parents[3] / "shared" / "vecozo-openapi"


def published() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for spec_file in sorted(SPECS.glob("*.json")):
        spec = json.loads(spec_file.read_text("utf-8"))
        base = urlparse(spec["servers"][0]["url"]).path.rstrip("/")
        for path, operations in spec["paths"].items():
            for method in operations:
                if method in {"get", "post", "put", "delete", "patch"}:
                    found.add((method.upper(), base + path))
    return found


def test_every_published_operation_is_routed() -> None:
    operations = published()
    assert len(operations) == 6
    routed = {(method, path) for method, path, _handler in ROUTES}
    assert operations - routed == set()


def test_the_check_would_notice_a_missing_route() -> None:
    routed = {(method, path) for method, path, _handler in ROUTES}
    assert ("GET", "/berichtenservice/berichten/rest-pull/v1/berichten/{id}/nothing") not in routed


def test_the_shipped_copies_are_the_published_documents() -> None:
    if not PUBLISHED.is_dir():
        pytest.skip("the published OpenAPI documents (../shared) are not available here")
    published_files = sorted(p.name for p in PUBLISHED.glob("*.json"))
    assert sorted(p.name for p in SPECS.glob("*.json")) == published_files
    for name in published_files:
        assert (SPECS / name).read_bytes() == (PUBLISHED / name).read_bytes(), name
