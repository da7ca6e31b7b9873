"""insurer_stub (under construction)."""

__all__: list[str] = []
