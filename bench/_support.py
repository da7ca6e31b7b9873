"""What the bench scripts share: the import path, a bare TLS reference server, stopping a process.

The scripts in bench/ are named like modules (``http.py``, ``gateway.py``, ``world.py``), and
Python puts a script's folder first on ``sys.path``, so ``import http`` or ``import world`` would
load a bench script. A script imports this module first (its name shadows nothing) and calls
:func:`keep_off_path` before anything else is imported. Only ``sys`` and ``pathlib`` are imported
at the top here for that reason (aiohttp imports the standard library's ``http``); everything
else is imported where it is used.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess
    from types import ModuleType

    from aiohttp import web

    from world import HomeLayout

__all__ = ["HERE", "bench_http", "keep_off_path", "start_hello", "stop"]

HERE = Path(__file__).resolve().parent


def keep_off_path(*, fixtures: bool = False) -> None:
    """Take bench/ off ``sys.path``; with ``fixtures`` put tests/e2e first (gateway_fixtures)."""
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    if fixtures:
        sys.path.insert(0, str(HERE.parent / "tests" / "e2e"))


def bench_http() -> ModuleType:
    """``bench/http.py`` as a module, for the scripts that drive ``up`` the way it does. Loaded
    by path (its name is the standard library's); loading it takes bench/ off the path."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_http", HERE / "http.py")
    if spec is None or spec.loader is None:
        raise ImportError("bench/http.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_http"] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    return module


async def start_hello(layout: HomeLayout, method: str) -> tuple[web.AppRunner, str]:
    """The same-run reference: a bare aiohttp handler answering "hello" to ``method /hello``
    under the exchange's mutual-TLS server context; its runner (to clean up) and URL."""
    import asyncio

    from aiohttp import web

    from certs import server_ssl_context

    hello = web.Application()
    hello.router.add_route(method, "/hello", lambda r: asyncio.sleep(0, web.Response(text="hello")))
    runner = web.AppRunner(hello, access_log=None)
    await runner.setup()
    context = server_ssl_context(
        cert=layout.server_cert, key=layout.server_key, ca=layout.ca_cert, crl=layout.crl
    )
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    return runner, f"https://127.0.0.1:{runner.addresses[0][1]}/hello"


def stop(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """SIGTERM, as an operator stops ``up``; killed if it has not ended within ``timeout``."""
    import signal
    import subprocess

    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
