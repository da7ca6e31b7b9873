"""Record layouts as data: one TOML file per standard and version in ``vektis/layouts/``.

Each file holds the standard's identity (EI code, version, subversion, record length, kind and
the return standard that answers it) and its field table, derived from the Vektis export
spreadsheets. Adding a standard means adding a file; nothing here names a standard.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from identifiers import is_ascii_digits
from vektis._codelists import code_values
from vektis._errors import LayoutError, UnknownStandardError

if TYPE_CHECKING:
    from vektis._read import FieldReader, Inspected

__all__ = [
    "STANDARDS",
    "Field",
    "Kind",
    "RecordLayout",
    "Standard",
    "detect_standard",
    "get_standard",
    "keep",
    "memo",
    "standard_for_header",
]

# Where a return record keeps the declaration verbatim: "Vulling is gelijk aan overeenkomend
# veld in het heenbericht" - the first 310 positions are the original record.
DECLARATION_WIDTH = 310


class Kind(StrEnum):
    """How a field's text becomes a Python value."""

    TEXT = "text"  # AN: padding stripped on the right
    INT = "int"  # N counts and numbers
    CODE = "code"  # N code-list values and identifiers (BSN, UZOVI, AGB): digits kept as str
    DATE = "date"  # N8 CCYYMMDD; 00000000 is "empty"
    AMOUNT = "amount"  # N cents; signed through its D/C indicator when read by semantic key
    SIGN = "sign"  # AN1 D/C indicator (COD043 family)


@dataclass(frozen=True, slots=True, kw_only=True)
class Field:
    """One field of a record layout, positions 0-based and end-exclusive."""

    record_type: str
    number: str
    name: str
    type: str
    start: int
    length: int
    usage: str
    code: str
    key: str
    sign: str
    retourcode: str
    kind: Kind
    values: frozenset[str] = frozenset()  # a closed code list's values; empty: any value

    @property
    def end(self) -> int:
        return self.start + self.length

    @property
    def blank(self) -> str:
        """The text of an empty field: zeros for N, spaces for AN, D for an indicator."""
        if self.kind is Kind.SIGN:
            return "D"
        return "0" * self.length if self.type == "N" else " " * self.length


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordLayout:
    """The fields of one record type, with a compiled pattern that checks all formats at once."""

    record_type: str
    length: int
    fields: tuple[Field, ...]
    by_number: Mapping[str, Field]
    by_key: Mapping[str, tuple[Field, ...]]
    pattern: re.Pattern[str]
    shape: re.Pattern[str]
    dates: tuple[Field, ...]
    signs: tuple[Field, ...]
    # Compiled readers and writers of this layout, made on first use (the codec's caches live
    # with the layout they serve; keys are chosen by code, never by input, so they stay few).
    compiled: dict[object, object] = field(
        init=False, default_factory=dict, repr=False, compare=False
    )

    def field(self, ref: str) -> tuple[Field, ...]:
        """The field(s) behind a semantic key or a field number such as "0403"."""
        found = self.by_key.get(ref)
        if found is not None:
            return found
        single = self.by_number.get(ref)
        return (single,) if single is not None else ()

    def memo(self, convert: Callable[[Any], T]) -> Callable[[Any], T]:
        """``convert`` remembered for this layout's records (bounded): for the values a file
        repeats on many lines, such as treatment days, birth dates and AGB codes. A hit is
        one C call (``dict.__getitem__``)."""
        return memo(self.compiled, convert)

    def reader(
        self,
        *keys: str,
        absent: Mapping[str, object] | None = None,
        zeros_empty: Collection[str] = (),
        trim: bool = False,
    ) -> FieldReader:
        """A compiled reader of ``keys``: record text in, their typed values out, in order.

        Each value is what ``Record.get`` gives (a semantic amount key signed by its D/C
        indicator, 00000000 a None date). A key this layout lacks raises UnknownFieldError,
        unless ``absent`` gives the value it stands for here; the codes named in
        ``zeros_empty`` read as "" when all zeros (an identifier left empty). ``trim`` reads
        AN text without surrounding whitespace (a value to compare, not to write back).
        """
        from vektis._read import compile_reader  # here: _read imports this module

        return keep(
            self.compiled,
            ("reader", keys, tuple((absent or {}).items()), tuple(zeros_empty), trim),
            lambda: compile_reader(
                self, keys, absent=absent or {}, zeros_empty=zeros_empty, trim=trim
            ),
        )

    def inspect(self, text: str) -> tuple[Inspected, ...]:
        """Every field of the line ``text`` read leniently, in layout order; never raises.

        For showing a file as it stands: a short line reads as padded with spaces, a long
        one's tail is ignored, and a field whose text is not of its kind (letters in a
        number, no real day in a date, an indicator other than D or C) comes with the
        problem instead of a value. An amount with a sign reads signed; an indicator other
        than C counts as debit (the indicator reports its own problem).
        """
        from vektis._read import compile_inspector  # here: _read imports this module

        return keep(self.compiled, "inspect", lambda: compile_inspector(self))(text)


@dataclass(frozen=True, slots=True, kw_only=True)
class Standard:
    """One EI standard and version: identity from its header, and its record layouts.

    ``name`` is the standard as Vektis names it (the berichttype); ``key`` tells apart the
    variants of one layout that differ in EI code, such as AW319 (428, wijkverpleging and
    eerstelijnsverblijf) and AW319-187 (Wlz). ``prestatiecodelijsten`` are the values the
    layout prescribes for AANDUIDING PRESTATIECODELIJST, when it prescribes any.
    """

    name: str
    ei_code: int
    version: int
    subversion: int
    record_length: int
    kind: str  # "declaration" or "return"
    return_standard: str | None
    description: str = ""
    key: str = ""
    prestatiecodelijsten: tuple[str, ...] = ()
    records: Mapping[str, RecordLayout] = field(default_factory=dict, repr=False)
    # The writers compiled for this standard's record shapes (vektis/_render.py), on first use.
    compiled: dict[object, object] = field(
        init=False, default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", self.name)

    @property
    def is_return(self) -> bool:
        return self.kind == "return"

    @property
    def header_key(self) -> str:
        """Positions 3-9 of the voorlooprecord: EI code, version and subversion."""
        return f"{self.ei_code:03d}{self.version:02d}{self.subversion:02d}"


_COMPILED_LIMIT = 512
T = TypeVar("T")


class _Memo(dict[Any, Any]):
    """A bounded memo of one conversion; ``__missing__`` converts and clears when full."""

    def __init__(self, convert: Callable[[Any], Any], limit: int) -> None:
        super().__init__()
        self.convert, self.limit = convert, limit

    def __missing__(self, text: Any) -> Any:
        if len(self) >= self.limit:
            self.clear()
        value = self[text] = self.convert(text)
        return value


def memo(
    compiled: dict[object, object], convert: Callable[[Any], T], limit: int = 16_384
) -> Callable[[Any], T]:
    """``convert`` remembered in ``compiled`` (a layout's or a standard's), at most ``limit``
    values; looked up by the function itself, cheap enough to ask for per record."""
    getter: Any = compiled.get(convert)  # the getter itself: ``compiled.get(f)`` is the memo
    if getter is None:
        getter = keep(compiled, convert, lambda: _Memo(convert, limit).__getitem__)
    return getter  # type: ignore[no-any-return]


def keep(compiled: dict[object, object], key: object, make: Callable[[], T]) -> T:
    """What ``compiled`` (a layout's or a standard's) holds under ``key``, made on first use.

    Bounded all the same: when a caller's keys run away, everything is compiled anew.
    """
    found = compiled.get(key)
    if found is None:
        if len(compiled) >= _COMPILED_LIMIT:
            compiled.clear()
        found = compiled[key] = make()
    return found  # type: ignore[return-value]


def _kind(type_: str, code: str) -> Kind:
    """Vektis names its code lists by what they hold: DAT dates, BED amounts, COD code lists."""
    if type_ == "AN":
        return Kind.TEXT
    if code.startswith("DAT"):
        return Kind.DATE
    if code.startswith("BED"):
        return Kind.AMOUNT
    if code.startswith("COD") or code == "NUM313":  # NUM313 is the BSN
        return Kind.CODE
    return Kind.INT


# Control characters (C0 and DEL) are no text: a NUL or an escape inside a name or a reference
# is a broken writer, whatever the field. RESERVE (usage S) is not checked at all.
TEXT_CHAR = r"[^\x00-\x1f\x7f]"


def _field_pattern(f: Field, *, strict: bool = True) -> str:
    """A regex fragment for one field; the kenmerk is literal, M fields must not be empty.

    Strict, a field with a closed code list matches only its values (or, when it is not
    mandatory, its empty text) and text fields hold no control characters. ``strict=False``
    checks the shape only (what a writer must never get wrong: digits in N, D or C in an
    indicator) and allows empty mandatory fields.
    """
    n = f.length
    if f.number.endswith("01") and f.name.startswith("KENMERK"):
        return re.escape(f.record_type)
    if f.kind is Kind.SIGN:
        return "[DC]"
    if strict and f.values:
        allowed = sorted(f.values | ({f.blank} if f.usage != "M" else set()))
        return "(?:" + "|".join(re.escape(v) for v in allowed) + ")"
    if f.type == "N":
        empty_forbidden = strict and f.usage == "M" and f.kind in (Kind.DATE, Kind.CODE)
        return f"(?!0{{{n}}})[0-9]{{{n}}}" if empty_forbidden else f"[0-9]{{{n}}}"
    if not strict or f.usage == "S":
        return f".{{{n}}}"
    if f.usage == "M":
        return f"(?! {{{n}}}){TEXT_CHAR}{{{n}}}"
    return f"{TEXT_CHAR}{{{n}}}"


def _parse_row(row: str) -> Field:
    parts = row.split("|")
    if len(parts) != 11:
        raise LayoutError(f"layout row needs 11 columns: {row!r}")
    rec, num, name, type_, start, length, usage, code, key, sign, rc = parts
    return Field(
        record_type=rec,
        number=num,
        name=name,
        type=type_,
        start=int(start) - 1,
        length=int(length),
        usage=usage,
        code=code,
        key=key,
        sign=sign,
        retourcode=rc,
        kind=_kind(type_, code),
        values=frozenset(
            v.zfill(int(length)) if type_ == "N" else v.ljust(int(length))
            for v in code_values(code)
        ),
    )


def _mark_signs(fields: list[Field]) -> list[Field]:
    """D/C indicators named as the sign of an amount become SIGN fields."""
    sign_numbers = {f.sign for f in fields if f.sign}
    sign_numbers |= {f.number for f in fields if "DEBET/CREDIT" in f.name}
    return [
        dataclasses.replace(f, kind=Kind.SIGN) if f.number in sign_numbers else f for f in fields
    ]


def _build_record(record_type: str, fields: list[Field], length: int) -> RecordLayout:
    position = 0
    for f in fields:
        if f.start != position:
            raise LayoutError(f"field {f.number} starts at {f.start + 1}, expected {position + 1}")
        position = f.end
    if position != length:
        raise LayoutError(f"record {record_type} is {position} wide, the standard says {length}")
    by_key: dict[str, tuple[Field, ...]] = {}
    for f in fields:
        if f.key:
            by_key[f.key] = (*by_key.get(f.key, ()), f)
    return RecordLayout(
        record_type=record_type,
        length=length,
        fields=tuple(fields),
        by_number=MappingProxyType({f.number: f for f in fields}),
        by_key=MappingProxyType(by_key),
        pattern=re.compile("".join(_field_pattern(f) for f in fields), re.DOTALL),
        shape=re.compile("".join(_field_pattern(f, strict=False) for f in fields), re.DOTALL),
        dates=tuple(f for f in fields if f.kind is Kind.DATE),
        signs=tuple(f for f in fields if f.kind is Kind.SIGN and f.end <= DECLARATION_WIDTH),
    )


def _with_lists(fields: list[Field], lists: tuple[str, ...]) -> list[Field]:
    """The prescribed prestatiecodelijsten become the code list of that field (0581)."""
    if not lists:
        return fields
    return [
        dataclasses.replace(f, values=frozenset(lists)) if f.key == "prestatiecodelijst" else f
        for f in fields
    ]


def _standard(meta: Mapping[str, Any], fields: list[Field], base: Mapping[str, Any]) -> Standard:
    """One standard from its ``[standard]`` table, a variant's values taking precedence."""
    lists = tuple(meta.get("prestatiecodelijsten", ()))
    grouped: dict[str, list[Field]] = {}
    for f in _with_lists(fields, lists):
        grouped.setdefault(f.record_type, []).append(f)
    length = int(base["record_length"])
    return Standard(
        name=base["name"],
        key=meta.get("key", base["name"]),
        ei_code=int(meta["ei_code"]),
        version=int(base["version"]),
        subversion=int(base["subversion"]),
        record_length=length,
        kind=base["kind"],
        return_standard=meta.get("return_standard") or None,
        description=meta.get("description", ""),
        prestatiecodelijsten=lists,
        records=MappingProxyType({t: _build_record(t, fs, length) for t, fs in grouped.items()}),
    )


def _load(text: str) -> list[Standard]:
    """The standard of one layout file, and its variants (another EI code, same records)."""
    data = tomllib.loads(text)
    meta, rows = data["standard"], data["layout"]["fields"].strip().splitlines()
    fields = _mark_signs([_parse_row(row) for row in rows])
    variants = meta.get("variants", ())
    return [_standard(m, fields, meta) for m in (meta, *variants)]


def _load_all() -> Mapping[str, Standard]:
    folder = resources.files("vektis").joinpath("layouts")
    found = [
        s for p in folder.iterdir() if p.name.endswith(".toml") for s in _load(p.read_text("utf-8"))
    ]
    return MappingProxyType({s.key: s for s in sorted(found, key=lambda s: s.key)})


STANDARDS: Mapping[str, Standard] = _load_all()
_BY_HEADER = {s.header_key: s for s in STANDARDS.values()}


def get_standard(name: str) -> Standard:
    """The standard called ``name`` ("MZ301", or a variant's key such as "AW319-187"), or
    UnknownStandardError."""
    try:
        return STANDARDS[name.upper()]
    except KeyError:
        raise UnknownStandardError(f"no layout for standard {name!r}") from None


def standard_for_header(header: str) -> Standard:
    """The standard named by a voorlooprecord (text), checking each header field in turn.

    COD954: 0010 "Code externe-integratiebericht ontbreekt of is onjuist" (non-numeric or 000),
    0011 for the version, 8027 for the subversion, and 8061 when the combination is well formed
    but not a standard we support.
    """
    ei, version, sub = header[2:5], header[5:7], header[7:9]
    if not is_ascii_digits(ei, length=3) or ei == "000":
        raise UnknownStandardError(f"EI code {ei!r} is not a 3-digit code", code="0010")
    if not is_ascii_digits(version, length=2) or version == "00":
        raise UnknownStandardError(f"version {version!r} is not valid", code="0011", field="0103")
    if not is_ascii_digits(sub, length=2):
        raise UnknownStandardError(f"subversion {sub!r} is not valid", code="8027", field="0104")
    standard = _BY_HEADER.get(ei + version + sub)
    if standard is None:
        raise UnknownStandardError(
            f"EI code {ei} version {int(version)}.{int(sub)} is not a supported standard"
        )
    return standard


def detect_standard(data: bytes) -> Standard:
    """The standard of an EI file, from its first record; UnknownStandardError when unknown."""
    first = data[:16].decode("latin-1")
    if not first.startswith("01"):
        raise UnknownStandardError(
            "the file does not start with a voorlooprecord (01)", code="0002", field="0101"
        )
    return standard_for_header(first)
