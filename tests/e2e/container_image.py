"""The container image of docs/CONTAINER.md, built and run with podman as this machine allows.

No registry hub is reachable here, so the ``Containerfile``'s default base cannot be pulled:
the base is a Debian bookworm made with ``debootstrap`` from the mirror apt already uses and
``podman import``-ed (cached between runs under :data:`BASE_IMAGE`). pip inside a build may
not get through this machine's TLS interception either, so the wheels are made on the host (the
project's own, and the binary wheels of its dependencies for the base's Python) and handed to
the build in its context under ``container-wheels/``, which the ``Containerfile`` prefers.

Facts of this machine the commands carry: crun fails ("cgroups in hybrid mode not supported")
so ``--runtime runc``; default ulimits are refused, so explicit ones; ``--network host`` so
nothing touches the host's firewall. Every command has a timeout: nothing here can hang.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[2]
BASE_IMAGE = "localhost/vecozo-sim-base:bookworm-python3"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
TOOLS = ("podman", "runc", "debootstrap")
_NOT_SOURCE = (
    ".git",
    ".venv",
    ".vecozo-sim",
    ".hypothesis",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
)
ULIMITS = ("--ulimit", "nofile=8192:8192", "--ulimit", "nproc=8192:8192")


# runc, debootstrap and the chroot it calls live in /usr/sbin, off a non-root user's PATH.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def _tool(name: str) -> str | None:
    return shutil.which(name, path=SEARCH_PATH)


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if _tool(tool) is None]


def run(
    command: list[str], *, timeout: float, check: bool = True, **options: Any
) -> subprocess.CompletedProcess[str]:
    """``command`` bounded by ``timeout``; a failure raises with the command's own words."""
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, **options
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(command)}: exit {done.returncode}\n{done.stderr}")
    return done


def podman(*args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``podman --runtime runc ARGS`` (crun fails on this machine's cgroups)."""
    return run(["podman", "--runtime", "runc", *args], timeout=timeout, check=check)


def debian_mirror(sources: Path = Path("/etc/apt")) -> str:
    """The Debian mirror apt uses (deb822 ``URIs:`` or a one-line ``deb`` entry)."""
    files = [sources / "sources.list", *sorted(sources.glob("sources.list.d/*"))]
    for file in files:
        if not file.is_file() or file.suffix not in ("", ".list", ".sources"):
            continue
        text = file.read_text(encoding="utf-8", errors="replace")
        for url in re.findall(r"(?m)^(?:URIs:|deb)\s+(\S+)", text):
            if url.rstrip("/").endswith("/debian"):
                return str(url)
    return DEFAULT_MIRROR


def ensure_base_image() -> None:
    """Bookworm minbase with python3, pip and venv, made once and kept (about 100 s)."""
    if podman("image", "exists", BASE_IMAGE, check=False).returncode == 0:
        return
    with tempfile.TemporaryDirectory(prefix="vecozo-base-") as scratch:
        rootfs = Path(scratch) / "rootfs"
        debootstrap = [_tool("debootstrap") or "debootstrap", "--variant=minbase"]
        debootstrap += ["--include=python3,python3-pip,python3-venv"]
        debootstrap += ["bookworm", str(rootfs), debian_mirror()]
        run(debootstrap, timeout=600, env={**os.environ, "PATH": SEARCH_PATH})
        with subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE) as tar:
            try:
                run(["podman", "import", "-", BASE_IMAGE], timeout=300, stdin=tar.stdout)
            finally:
                tar.kill()


def _base_python() -> str:
    """``311`` for the base's python3 (bookworm's 3.11): the wheels must fit it."""
    done = podman(
        "run", "--rm", "--network", "host", *ULIMITS, BASE_IMAGE,
        "python3", "-c", "import sys; print('%d%d' % sys.version_info[:2])",
    )  # fmt: skip
    return done.stdout.strip()


def make_wheels(target: Path) -> None:
    """The project's wheel and the binary wheels of its runtime dependencies, for the base."""
    target.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    with tempfile.TemporaryDirectory(prefix="vecozo-src-") as scratch:
        # A copy without build/: setuptools would put a stale build/lib into the wheel.
        source = Path(scratch) / "src"
        shutil.copytree(REPOSITORY, source, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
        run([*pip, "wheel", "--no-deps", "-w", str(target), str(source)], timeout=300)
    [project] = target.glob("vecozo_sim-*.whl")
    version, machine = _base_python(), platform.machine()
    platforms = [f"manylinux_2_{n}_{machine}" for n in (28, 17, 5)] + [f"manylinux2014_{machine}"]
    download = [*pip, "download", "--only-binary=:all:", "--python-version", version]
    download += ["--implementation", "cp", "--abi", f"cp{version}", "-d", str(target)]
    download += [option for name in platforms for option in ("--platform", name)]
    run([*download, str(project)], timeout=300)


def build_image(tag: str, context: Path) -> None:
    """Build the repository's Containerfile on the local base, with the wheels in ``context``."""
    podman(
        "build", "--format", "docker", "--layers=false", "--force-rm",
        "--network", "host", *ULIMITS, "--build-arg", f"BASE={BASE_IMAGE}", "-t", tag,
        "-f", str(REPOSITORY / "Containerfile"), str(context),
        timeout=300,
    )  # fmt: skip
