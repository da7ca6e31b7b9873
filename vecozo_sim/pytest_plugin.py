"""pytest plugin (entry point ``pytest11``): fixtures that start an isolated simulated exchange."""
