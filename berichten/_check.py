"""A small JSON-schema checker that collects every violation with its field path.

The published OpenAPI documents are ASP.NET Core services: a bad body is answered with one
ValidationProblemDetails listing every broken field. We do the same, so this checker never stops
at the first problem. Only the schema keywords the VECOZO documents use are supported: type,
required, additionalProperties false, minLength/maxLength, minimum/maximum, minItems/maxItems,
format uuid / date-time, enum.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TypeVar

__all__ = ["ROOT", "Checker", "child", "index", "load_json"]

ROOT = "$"
T = TypeVar("T")

# format "uuid" (RFC 4122 textual form, the only form a JSON-schema validator accepts).
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def child(path: str, key: str) -> str:
    """The path of member ``key`` below ``path`` (the root has no prefix)."""
    return key if path == ROOT else f"{path}.{key}"


def index(path: str, i: int) -> str:
    """The path of item ``i`` of the array at ``path``."""
    return f"{path}[{i}]"


class Checker:
    """Collects messages per field path while values are read from a decoded JSON document."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def obj(
        self, value: object, path: str, *, required: tuple[str, ...], allowed: tuple[str, ...]
    ) -> Mapping[str, object] | None:
        """Check an object: its type, its required members and no unknown members.

        Every schema object in the VECOZO documents says ``"additionalProperties": false``.
        """
        if not isinstance(value, dict):
            self.add(path, f"Expected a JSON object, got {_kind(value)}.")
            return None
        for key in required:
            if key not in value:
                self.add(child(path, key), f"The {key} field is required.")
        for key in value:
            if key not in allowed:
                self.add(child(path, str(key)), f"Unknown property {key!r} is not allowed.")
        return value

    def string(
        self,
        obj: Mapping[str, object],
        path: str,
        key: str,
        *,
        max_length: int | None = None,
        min_length: int = 1,
    ) -> str | None:
        """Read an optional string member; None when absent or invalid."""
        if key not in obj:
            return None
        return self.text(obj[key], child(path, key), max_length=max_length, min_length=min_length)

    def text(
        self, value: object, path: str, *, max_length: int | None = None, min_length: int = 1
    ) -> str | None:
        """Check a string value against minLength / maxLength."""
        if not isinstance(value, str):
            self.add(path, f"Expected a string, got {_kind(value)}.")
            return None
        if len(value) < min_length:
            self.add(path, f"Must be at least {min_length} character(s) long.")
            return None
        if max_length is not None and len(value) > max_length:
            self.add(path, f"Must be at most {max_length} characters long, got {len(value)}.")
            return None
        return value

    def integer(
        self, obj: Mapping[str, object], path: str, key: str, *, minimum: int, maximum: int | None
    ) -> int | None:
        """Read an optional integer member within [minimum, maximum]."""
        if key not in obj:
            return None
        value, where = obj[key], child(path, key)
        # JSON true/false are not integers even though Python's bool is an int.
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(where, f"Expected an integer, got {_kind(value)}.")
            return None
        if value < minimum or (maximum is not None and value > maximum):
            upper = "" if maximum is None else f" and {maximum}"
            self.add(where, f"Must be between {minimum}{upper}, got {value}.")
            return None
        return value

    def uuid(self, obj: Mapping[str, object], path: str, key: str) -> str | None:
        """Read a ``format: uuid`` member, normalised to lower case."""
        value = self.string(obj, path, key)
        if value is None:
            return None
        if not _UUID.match(value):
            self.add(child(path, key), f"Must be a UUID (8-4-4-4-12 hex digits), got {value!r}.")
            return None
        return value.lower()

    def date_time(self, obj: Mapping[str, object], path: str, key: str) -> datetime | None:
        """Read a ``format: date-time`` member (RFC 3339, with offset)."""
        value = self.string(obj, path, key)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None or "T" not in value.upper():
            self.add(child(path, key), f"Must be an RFC 3339 date-time with offset, got {value!r}.")
            return None
        return parsed

    def day(self, obj: Mapping[str, object], path: str, key: str) -> date | None:
        """Read a calendar date ``YYYY-MM-DD``."""
        value = self.string(obj, path, key)
        if value is None:
            return None
        try:
            if len(value) != 10:
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.add(child(path, key), f"Must be a date YYYY-MM-DD, got {value!r}.")
            return None

    def array(
        self,
        obj: Mapping[str, object],
        path: str,
        key: str,
        *,
        min_items: int,
        max_items: int,
    ) -> list[object] | None:
        """Read an optional array member and check minItems / maxItems."""
        if key not in obj:
            return None
        value, where = obj[key], child(path, key)
        if not isinstance(value, list):
            self.add(where, f"Expected a JSON array, got {_kind(value)}.")
            return None
        if not min_items <= len(value) <= max_items:
            self.add(where, f"Must hold {min_items} to {max_items} items, got {len(value)}.")
            return None
        return value

    def items(
        self, values: list[object] | None, path: str, read: Callable[[object, str], T | None]
    ) -> list[T]:
        """Read each item of an array with ``read(value, item_path)``; invalid items are dropped."""
        out: list[T] = []
        for i, value in enumerate(values or ()):
            item = read(value, index(path, i))
            if item is not None:
                out.append(item)
        return out


def _kind(value: object) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def load_json(data: bytes | str) -> tuple[object, str | None]:
    """Decode a JSON body; return (value, None) or (None, a message naming the problem).

    NaN and Infinity are refused: they are not JSON (RFC 8259) even though Python accepts them.
    """
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        return None, f"The body is not UTF-8 text: {exc.reason} at byte {exc.start}."
    try:
        return json.loads(text, parse_constant=_refuse_constant), None
    except json.JSONDecodeError as exc:
        return None, f"Malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}."
    except ValueError as exc:  # NaN, or an integer longer than int() converts (4300 digits)
        return None, f"Malformed JSON: {exc}."
    except RecursionError:
        return None, "Malformed JSON: nested deeper than the parser allows."


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON value")
