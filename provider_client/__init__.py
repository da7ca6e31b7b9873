"""provider_client (under construction)."""

__all__: list[str] = []
