"""Composition root: the ``vecozo-sim`` command, the embedded runner and the pytest plugin.

The public API, for a program or a test suite that runs the simulator in its own process::

    from vecozo_sim import Exchange, ExchangeSettings, init_home
    from world import HomeLayout

    layout = HomeLayout(root=path)
    init_home(layout, seed=1, persons=300)          # world + certificates (``vecozo-sim init``)
    exchange = Exchange(ExchangeSettings(layout=layout, port=0, admin_port=0))
    runtime = await exchange.start()                # gateway + stub insurers (``vecozo-sim up``)
    ...
    await exchange.stop()

``issue_certificates(world, layout)`` gives a world saved by other means a new PKI.

The names are imported when first used: ``vecozo-sim --help`` and every pytest run of an
environment with the plugin installed import this package, and must not pay for aiohttp,
cryptography and the world generator.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vecozo_sim._home import init_home, issue_certificates
    from vecozo_sim._runner import Exchange, ExchangeSettings, Runtime

__all__ = ["Exchange", "ExchangeSettings", "Runtime", "init_home", "issue_certificates"]

_HOME_OF = {
    "Exchange": "vecozo_sim._runner",
    "ExchangeSettings": "vecozo_sim._runner",
    "Runtime": "vecozo_sim._runner",
    "init_home": "vecozo_sim._home",
    "issue_certificates": "vecozo_sim._home",
}


def __getattr__(name: str) -> Any:
    """PEP 562: import a public name's module on first use."""
    if name not in _HOME_OF:
        raise AttributeError(f"module 'vecozo_sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME_OF[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
