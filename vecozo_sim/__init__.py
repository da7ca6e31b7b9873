"""Composition root: the ``vecozo-sim`` command, the embedded runner and the pytest plugin."""

__all__: list[str] = []
