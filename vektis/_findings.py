"""Findings: what validation reports, one per problem, each with the retourcode it earns."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Finding"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One problem: record number (1-based line), record type, field number, COD954 code, why."""

    record: int
    record_type: str
    field: str
    code: str
    message: str

    def to_json(self) -> dict[str, object]:
        return {
            "record": self.record,
            "record_type": self.record_type,
            "field": self.field,
            "code": self.code,
            "message": self.message,
        }

    def __str__(self) -> str:
        return (
            f"record {self.record} ({self.record_type or '--'}) field {self.field or '----'}: "
            f"{self.code} {self.message}"
        )
