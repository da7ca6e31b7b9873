"""Typed reading of one entry of a world file, with errors that say where and what.

A human edits world.toml, so every field read goes through here: a wrong type, a missing key or
a malformed code becomes a ``WorldFileError`` naming the file, the entry and the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from world._errors import WorldFileError

__all__ = ["AGB", "DIGITS14", "UZOVI", "Entry", "tables"]

E = TypeVar("E", bound=StrEnum)

AGB = re.compile(r"[0-9]{8}")
UZOVI = re.compile(r"(?!0000)[0-9]{4}")
DIGITS14 = re.compile(r"[0-9]{14}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One table of the file (``[[providers]]`` number 3, say) being read."""

    file: str
    where: str
    data: Mapping[str, object]

    def fail(self, problem: str) -> WorldFileError:
        return WorldFileError(self.file, self.where, problem)

    def _get(self, key: str) -> object:
        if key not in self.data:
            raise self.fail(f"missing field {key!r}")
        return self.data[key]

    def text(self, key: str, pattern: re.Pattern[str] | None = None) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise self.fail(f"field {key!r} must be a string, not {value!r}")
        if pattern is not None and not pattern.fullmatch(value):
            raise self.fail(f"field {key!r} is malformed: {value!r}")
        return value

    def opt_text(self, key: str, pattern: re.Pattern[str] | None = None) -> str | None:
        return self.text(key, pattern) if key in self.data else None

    def integer(self, key: str, default: int | None = None) -> int:
        if default is not None and key not in self.data:
            return default
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"field {key!r} must be an integer, not {value!r}")
        return value

    def number(self, key: str, default: float) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self.fail(f"field {key!r} must be a non-negative number, not {value!r}")
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"field {key!r} must be true or false, not {value!r}")
        return value

    def day(self, key: str) -> dt.date:
        value = self._get(key)
        # tomllib gives datetime for 2024-01-01T00:00; a datetime is a date subclass: refuse it.
        if type(value) is not dt.date:
            raise self.fail(f"field {key!r} must be a date like 2024-01-31, not {value!r}")
        return value

    def opt_day(self, key: str) -> dt.date | None:
        return self.day(key) if key in self.data else None

    def enum(self, key: str, kind: type[E], default: E | None = None) -> E:
        if default is not None and key not in self.data:
            return default
        value = self.text(key)
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(m.value for m in kind)
            raise self.fail(f"field {key!r} is {value!r}; allowed: {allowed}") from None

    def str_set(self, key: str, pattern: re.Pattern[str] | None = None) -> frozenset[str]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"field {key!r} must be a list of strings, not {value!r}")
        bad = [v for v in value if pattern is not None and not pattern.fullmatch(v)]
        if bad:
            raise self.fail(f"field {key!r} has malformed codes: {', '.join(map(repr, bad))}")
        return frozenset(value)

    def table(self, key: str) -> Entry:
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"field {key!r} must be a table, not {value!r}")
        return Entry(file=self.file, where=f"{self.where}.{key}", data=value)

    def cents(self, key: str) -> dict[str, int]:
        """A table prestatiecode -> amount in cents (non-negative integers)."""
        table = self.table(key)
        return {code: _non_negative(table, code) for code in table.data}

    def code_sets(self, key: str) -> dict[str, frozenset[str]]:
        table = self.table(key)
        return {name: table.str_set(name) for name in table.data}


def _non_negative(entry: Entry, key: str) -> int:
    value = entry.integer(key)
    if value < 0:
        raise entry.fail(f"field {key!r} must not be negative, got {value}")
    return value


def tables(file: str, document: Mapping[str, object], key: str, label: str) -> list[Entry]:
    """The array of tables ``[[key]]``, each wrapped as an Entry named after ``label``."""
    value = document.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise WorldFileError(file, key, "must be an array of tables ([[" + key + "]])")
    out = []
    for index, data in enumerate(value):
        ident = data.get(label)
        where = f"{key}[{index}]" + (f" {label}={ident}" if isinstance(ident, str) else "")
        out.append(Entry(file=file, where=where, data=data))
    return out
