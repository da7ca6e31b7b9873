"""Benchmark of the Vektis codec against a bare struct.unpack split measured in the same run.

Measures on a 200,000-line MZ301 file: validate (which parses every record) and parse_file in
records/s, render_file in records/s, each as a ratio to a bare reference (struct.unpack of
every line by its record layout; struct.pack of pre-split fields for rendering), plus the peak
RSS of validating a 1,000,000-line file streamed from disk, measured in a child process.
Prints one JSON object on its last line.

``--cpu`` measures CPU time instead (``time.process_time``, best of 3 in this process) of
render_file, one-record render_file calls, parse_file, validate and, where the vektis on the
path has it, a compiled reader: for comparing two versions of vektis on a shared machine, run
alternately with ``PYTHONPATH`` pointing at each (see docs/PERFORMANCE.md, "Issue 15
remnants").
"""

from __future__ import annotations

import json
import resource
import struct
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import vektis

LINES = 200_000
BIG_LINES = 1_000_000


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _formats(standard: vektis.Standard) -> dict[bytes, struct.Struct]:
    return {
        t.encode(): struct.Struct("".join(f"{f.length}s" for f in layout.fields))
        for t, layout in standard.records.items()
    }


def _bare_split(data: bytes, formats: dict[bytes, struct.Struct]) -> list[tuple[bytes, ...]]:
    return [formats[line[:2]].unpack(line) for line in data.split(b"\r\n") if line]


def _bare_join(rows: list[tuple[bytes, ...]], formats: dict[bytes, struct.Struct]) -> bytes:
    return b"\r\n".join(formats[row[0]].pack(*row) for row in rows) + b"\r\n"


def _write_big(path: Path) -> None:
    standard = vektis.get_standard("MZ301")
    per = 4
    with path.open("wb") as out:
        for record in vektis.sample_records(insured=BIG_LINES // (per + 1), per_insured=per):
            out.write(vektis.render_file(standard, [record]))


def _rss_child(path: str) -> None:
    """Child process: validate a file streamed from disk and report peak RSS in MB."""
    with open(path, "rb") as stream:
        start = time.perf_counter()
        findings = vektis.validate(stream)
        seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux keeps ru_maxrss across fork+exec, so prefer this process's own high-water mark.
    status = Path("/proc/self/status")
    if status.exists():
        hwm = [line for line in status.read_text().splitlines() if line.startswith("VmHWM")]
        peak_kb = int(hwm[0].split()[1]) if hwm else peak_kb
    print(
        json.dumps(
            {
                "findings": len(findings),
                "peak_rss_mb": round(peak_kb / 1024, 1),
                "seconds": round(seconds, 2),
            }
        )
    )


def _big_file_rss() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.asc"
        _write_big(path)
        done = subprocess.run(
            [sys.executable, __file__, "--rss-child", str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
        result["lines"] = sum(1 for _ in path.open("rb"))
        return result


def main() -> dict[str, object]:
    big_file = _big_file_rss()  # first, while this process is still small
    standard = vektis.get_standard("MZ301")
    records = list(vektis.sample_records(insured=LINES // 5, per_insured=4))
    data = vektis.render_file(standard, records)
    formats = _formats(standard)
    split = min(_timed(lambda: _bare_split(data, formats)) for _ in range(3))
    rows = _bare_split(data, formats)
    join = min(_timed(lambda: _bare_join(rows, formats)) for _ in range(3))
    check = min(_timed(lambda: vektis.validate(data)) for _ in range(3))
    parse = min(_timed(lambda: vektis.parse_file(data)) for _ in range(2))
    render = min(_timed(lambda: vektis.render_file(standard, records)) for _ in range(3))
    assert vektis.validate(data) == []
    assert _bare_join(rows, formats) == data
    tracemalloc.start()
    vektis.validate(data)
    validate_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    n = len(records)
    return {
        "records": n,
        "bare_split_rps": round(n / split),
        "validate_rps": round(n / check),
        "parse_file_rps": round(n / parse),
        "bare_pack_rps": round(n / join),
        "render_rps": round(n / render),
        "validate_ratio": round(split / check, 3),
        "parse_file_ratio": round(split / parse, 3),
        "render_ratio": round(join / render, 3),
        # The single physical reference is the bare unpack split; render against it too.
        "render_vs_split_ratio": round(split / render, 3),
        "validate_peak_mb_traced": round(validate_peak / 2**20, 1),
        "big_file": big_file,
    }


CPU_RECORDS = 50_000
ONE_RECORD_CALLS = 20_000


def _cpu(action: Callable[[], object], runs: int = 3) -> float:
    """The least CPU time of ``runs`` calls of ``action``, in seconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        action()
        best = min(best, time.process_time() - start)
    return best


def _one_by_one(standard: vektis.Standard, records: list[dict[str, object]]) -> None:
    for record in records:
        vektis.render_file(standard, [record])


def _reader_pass(parsed: vektis.EIFile) -> float | None:
    """CPU of reading a dozen fields of every 04 record (the insurer's hot loop), if any."""
    layout = parsed.standard.records["04"]
    if not hasattr(layout, "reader"):
        return None
    keys = ("id", "bsn", "date_of_service", "prestatiecode", "aantal", "declaratiebedrag")
    read = layout.reader(*keys)
    raws = [r.raw for r in parsed.details if r.record_type == "04"]
    return _cpu(lambda: [read(raw) for raw in raws])


def cpu() -> dict[str, object]:
    standard = vektis.get_standard("MZ301")
    records = list(vektis.sample_records(insured=CPU_RECORDS // 5, per_insured=4))
    data = vektis.render_file(standard, records)
    parsed = vektis.parse_file(data)
    one = records[:ONE_RECORD_CALLS]
    reader = _reader_pass(parsed)
    return {
        "records": len(records),
        "vektis": str(Path(vektis.__file__).parent),
        "render_file_cpu_s": round(_cpu(lambda: vektis.render_file(standard, records)), 4),
        "one_record_cpu_us": round(_cpu(lambda: _one_by_one(standard, one)) / len(one) * 1e6, 3),
        "parse_file_cpu_s": round(_cpu(lambda: vektis.parse_file(data)), 4),
        "validate_cpu_s": round(_cpu(lambda: vektis.validate(data)), 4),
        "reader_cpu_s": None if reader is None else round(reader, 4),
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--rss-child":
        _rss_child(sys.argv[2])
    elif sys.argv[1:] == ["--cpu"]:
        print(json.dumps(cpu()))
    else:
        print(json.dumps(main()))
