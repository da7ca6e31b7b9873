"""``vecozo-sim gateway`` as an operator runs it: a real process, its URLs, one request, SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import aiohttp
from gateway_fixtures import GatewayPki, build_world, home_from

from world import save_world


async def start(home: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vecozo_sim",
        "gateway",
        *("--home", str(home), "--port", "0", "--admin-port", "0"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def read_urls(process: asyncio.subprocess.Process) -> dict[str, str]:
    """The two ``name URL`` lines the command prints once it listens (bounded: 30 s)."""
    assert process.stdout is not None
    urls: dict[str, str] = {}
    while len(urls) < 2:
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        if not line:
            raise AssertionError("the gateway exited before printing its URLs")
        name, url = line.decode().split()
        urls[name] = url
    return urls


async def test_gateway_command_serves_until_sigterm(pki: GatewayPki, tmp_path: Path) -> None:
    layout = home_from(pki, tmp_path / "home")
    save_world(build_world(), layout)
    process = await start(layout.root)
    try:
        urls = await read_urls(process)
        assert urls["exchange"].startswith("https://127.0.0.1:")
        runtime = json.loads(layout.runtime_file.read_text(encoding="utf-8"))
        assert runtime["gateway_url"] == urls["exchange"]
        assert layout.runtime_file.stat().st_mode & 0o777 == 0o600
        token = {"Authorization": f"Bearer {runtime['admin_token']}"}
        async with aiohttp.ClientSession() as session:
            async with session.get(urls["admin"] + "/clock") as r:
                assert r.status == 401  # the admin port wants the token of runtime.json
            async with session.get(urls["admin"] + "/clock", headers=token) as r:
                assert r.status == 200
                assert "today" in json.loads(await r.read())
        second = await start(layout.root)  # the same home: refused, the first one untouched
        _, refused = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode == 2
        assert f"pid {process.pid}".encode() in refused
        assert json.loads(layout.runtime_file.read_text(encoding="utf-8"))["pid"] == process.pid
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err
    assert b"stopped" in out
    assert b"Traceback" not in err
    assert not layout.runtime_file.exists()


async def test_gateway_command_without_a_world_says_how_to_make_one(tmp_path: Path) -> None:
    process = await start(tmp_path / "empty")
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert b"vecozo-sim init" in err
    assert b"Traceback" not in err
    assert out == b""


async def test_gateway_command_refuses_a_store_that_is_no_database(
    pki: GatewayPki, tmp_path: Path
) -> None:
    layout = home_from(pki, tmp_path / "home")
    save_world(build_world(), layout)
    layout.gateway_dir.mkdir()
    (layout.gateway_dir / "exchange.sqlite3").write_bytes(b"garbage, not SQLite\n" * 100)
    process = await start(layout.root)
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode != 0
    assert b"Traceback" not in err
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1, err
    assert "exchange.sqlite3" in lines[0]
    assert "not a usable SQLite database" in lines[0]
