"""Run one exchange in its own process, for tests that measure the server (its memory).

``python gateway_process.py DIR [SETTING=VALUE ...]`` builds the test PKI and world in DIR, starts
the gateway with ``settings_for`` plus the numeric overrides, prints ``PORT PID`` on one line and
serves until its standard input closes.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from gateway_fixtures import build_gateway_pki, build_world, home_from, settings_for

from gateway import Gateway


async def serve(directory: Path, overrides: dict[str, float]) -> None:
    pki = build_gateway_pki(directory / "pki")
    layout = home_from(pki, directory / "home")
    running = Gateway(settings_for(layout, **overrides), world=build_world())
    await running.start()
    try:
        print(running.url.rsplit(":", 1)[1], os.getpid())
        sys.stdout.flush()
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        await running.stop()


def main() -> None:
    directory = Path(sys.argv[1])
    overrides: dict[str, float] = {}
    for pair in sys.argv[2:]:
        name, value = pair.split("=", 1)
        overrides[name] = int(value) if value.isdigit() else float(value)
    asyncio.run(serve(directory, overrides))


if __name__ == "__main__":
    main()
