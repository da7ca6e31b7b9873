"""Errors of the world package.

    WorldError                 base: anything the world package refuses
    └── WorldFileError         local: a world file (world.toml, population.csv) is missing or
                               wrong; names the file, the line or entry, and the problem

Both are the user's to fix (an edited file, a wrong --home); none is a bug of a remote party.
"""

from __future__ import annotations

__all__ = ["WorldError", "WorldFileError"]


class WorldError(Exception):
    """Base class of every error the world package raises on purpose."""


class WorldFileError(WorldError):
    """A world file cannot be used as it is.

    ``where`` is a line ("line 12") or an entry ("provider[2] agb=12100001"), so the message
    tells the user exactly what to edit.
    """

    def __init__(self, file: str, where: str, problem: str) -> None:
        super().__init__(f"{file}: {where}: {problem}" if where else f"{file}: {problem}")
        self.file = file
        self.where = where
        self.problem = problem
