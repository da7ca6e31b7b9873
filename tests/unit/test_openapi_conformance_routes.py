"""Every path and method of the published OpenAPI documents is a route of the exchange.

The documents live outside the product (../shared); when they are absent this test skips.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

import pytest

from gateway import ROUTES

SPECS = Path(__file__).resolve().parents[3] / "shared" / "vecozo-openapi"


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
    if not SPECS.is_dir():
        pytest.skip("the published OpenAPI documents (../shared) are not available here")
    operations = published()
    assert len(operations) == 6
    routed = {(method, path) for method, path, _handler in ROUTES}
    assert operations - routed == set()


def test_the_check_would_notice_a_missing_route() -> None:
    routed = {(method, path) for method, path, _handler in ROUTES}
    assert ("GET", "/berichtenservice/berichten/rest-pull/v1/berichten/{id}/nothing") not in routed
