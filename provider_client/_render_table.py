"""Text for people: rich tables of mailbox, statuses, COV and returns; the field list of a file.

Every function returns a string, so the commands print it and the tests read it. Columns that
hold identifiers never wrap: a traceerId broken over two lines cannot be copied.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from provider_client._cov import CovResult
from provider_client._explain import Explanation, ReturnSummary, euros
from provider_client._values import MessageInfo, MessageStatus

__all__ = [
    "cov_table",
    "explanation_text",
    "inbox_table",
    "render",
    "return_table",
    "status_table",
]


def render(table: Table) -> str:
    """The table as plain text (no colour codes), as wide as the terminal, at least 120."""
    width = max(120, shutil.get_terminal_size((120, 24)).columns)
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, highlight=False).print(table)
    return buffer.getvalue().rstrip("\n")


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, no_wrap=column in ("traceerId", "conversatieId", "file"))
    return table


def inbox_table(messages: Iterable[MessageInfo]) -> str:
    table = _table("Waiting messages", "traceerId", "type", "afzender", "received", "size")
    for m in messages:
        afzender = f"{m.afzender.rol} {m.afzender.code or ''}".strip()
        size = "" if m.size is None else f"{m.size:,} B"
        table.add_row(m.traceer_id, m.berichttype, afzender, m.received_at or "", size)
    return render(table)


def status_table(statuses: Iterable[MessageStatus]) -> str:
    table = _table("Status", "traceerId", "type", "status", "received", "changed", "meldingen")
    for s in statuses:
        meldingen = "\n".join(
            f"{m.code} {m.omschrijving}" + (f" ({m.toelichting})" if m.toelichting else "")
            for m in s.meldingen
        )
        table.add_row(
            s.traceer_id, s.stream.berichttype, s.status, s.received_at, s.changed_at, meldingen
        )
    return render(table)


def cov_table(result: CovResult) -> str:
    name = f", {result.name}" if result.name else ""
    deceased = " (overleden)" if result.deceased else ""
    title = f"COV {result.bsn} on {result.peildatum}: {result.resultaat}{name}{deceased}"
    table = _table(title, "uzovi", "verzekerdennummer", "soort", "pakket", "from", "to", "result")
    for p in result.policies:
        table.add_row(
            p.uzovi,
            p.verzekerdennummer,
            p.soort,
            p.pakket or "",
            p.ingangsdatum.isoformat() if p.ingangsdatum else "",
            p.einddatum.isoformat() if p.einddatum else "",
            p.resultaat,
        )
    return render(table)


def return_table(summary: ReturnSummary) -> str:
    table = _table(f"Return {summary.standard}", "line", "bsn", "prestatie", "date")
    for column in ("declared", "granted", "retourcodes"):
        table.add_column(column, justify="right" if column != "retourcodes" else "left")
    for line in summary.lines:
        table.add_row(
            str(line.record),
            line.bsn,
            line.prestatiecode or "verzekerde",
            line.date_of_service.isoformat() if line.date_of_service else "",
            "" if line.declared is None else euros(line.declared),
            "" if line.awarded is None else euros(line.awarded),
            "\n".join(line.codes),
        )
    awarded = "" if summary.total_awarded is None else euros(summary.total_awarded)
    table.add_section()
    table.add_row("total", "", "", "", euros(summary.total_declared), awarded, "")
    header = "".join(f"\nfile: {code}" for code in summary.header_codes)
    return render(table) + header


def explanation_text(explanation: Explanation) -> str:
    """One block per line: the record type, then ``number  NAME  value`` per field."""
    out = [f"{explanation.standard} ({explanation.description})"]
    for record in explanation.records:
        out.append(f"\nline {record.number}: record {record.record_type} {record.note}".rstrip())
        width = max((len(f.name) for f in record.fields), default=0)
        out.extend(f"  {f.number}  {f.name:<{width}}  {f.value}" for f in record.fields)
    if explanation.findings:
        out.append(f"\n{len(explanation.findings)} finding(s):")
        out.extend(f"  {finding}" for finding in explanation.findings)
    return "\n".join(out)
