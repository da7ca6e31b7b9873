"""The machine-readable contracts a vendor generates its client from: the COV WSDL, the OpenAPI.

Both ship inside the package (``gateway/contracts``) so an installed exchange serves them without
the repository. The WSDL is VZ801/802's, flat (schemas inline); its ``soap:address`` is the URL
this client reached, prefix (/tst, /acc) and port included, so a client generated from
``GET .../soap11?wsdl`` calls the simulator and not api.vecozo.nl. The three OpenAPI documents
are the published ones, each with this exchange's URL put first in ``servers``.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from xml.sax.saxutils import quoteattr

from aiohttp import web

from gateway._errors import NotFoundError
from gateway._middleware import strip_prefix
from gateway._pull import request_base_url

__all__ = ["OPENAPI_DOCUMENTS", "cov_wsdl", "openapi_document", "openapi_index"]

WSDL_FILE = "COVVZ801802.wsdl"
_LOCATION = '"{location}"'
# name served at /openapi/{name}.json -> the path its servers[] URLs end in
OPENAPI_DOCUMENTS = {
    "berichtuitwisseling-rest-push-v1": "/berichtenservice/berichten/rest-push/v1",
    "berichtuitwisseling-rest-pull-v1": "/berichtenservice/berichten/rest-pull/v1",
    "berichtstatus-rest-pull-v3": "/berichtenservice/berichtstatus/rest-pull/v3",
}


# One entry per packaged document (the WSDL and each OpenAPI document), read once.
@functools.lru_cache(maxsize=len(OPENAPI_DOCUMENTS) + 1)
def _packaged(name: str) -> str:
    return (resources.files("gateway") / "contracts" / name).read_text(encoding="utf-8")


async def cov_wsdl(request: web.Request) -> web.Response:
    """``GET /cov/vz801802/v1/soap11?wsdl``: the WSDL pointing at this very endpoint."""
    if "wsdl" not in request.query:
        raise web.HTTPMethodNotAllowed("GET", ["POST"], text="GET alleen met ?wsdl")
    location = request_base_url(request) + strip_prefix(request.path)
    body = _packaged(WSDL_FILE).replace(_LOCATION, quoteattr(location), 1)
    return web.Response(text=body, content_type="text/xml", charset="utf-8")


async def openapi_document(request: web.Request) -> web.Response:
    """``GET /openapi/{name}.json``: a published document, this exchange first in ``servers``."""
    name = request.match_info["name"]
    if name not in OPENAPI_DOCUMENTS:
        index = f"{request_base_url(request)}/openapi/"
        raise NotFoundError(f"geen OpenAPI-document {name}; zie {index}")
    document = json.loads(_packaged(f"{name}.json"))
    here = {"url": request_base_url(request) + OPENAPI_DOCUMENTS[name], "description": "vecozo-sim"}
    document["servers"] = [here, *document.get("servers", [])]
    return web.json_response(document)


async def openapi_index(request: web.Request) -> web.Response:
    """``GET /openapi/``: where each document is."""
    base = request_base_url(request)
    return web.json_response(
        {name: f"{base}/openapi/{name}.json" for name in OPENAPI_DOCUMENTS}
        | {"cov-vz801802-wsdl": f"{base}/cov/vz801802/v1/soap11?wsdl"}
    )
