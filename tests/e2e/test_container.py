"""The container image as a Java or .NET team's CI uses it (docs/CONTAINER.md), with podman.

Built from the repository's ``Containerfile`` on a local bookworm base (``container_image``
says why and how), started with a fresh volume on free ports, ready when ``GET /health`` says
so; the CA and a system certificate are copied out with ``podman cp`` and ``curl`` on the host
does what a vendor's client does over mutual TLS: push a declaration, fetch its return, check
COV, reaching the container by the host name its certificate was made for. Then the container
is stopped and started again: the world, its CA and the return are still there.

Skipped only where podman cannot be installed (``make container-deps`` installs it as root).
"""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from container_image import (
    ULIMITS,
    build_image,
    ensure_base_image,
    make_wheels,
    missing_tools,
    podman,
)

from certs import CertificateAuthority

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

DENTIST_SYSTEM = "11205000100001"  # docs/TESTDATA.md: system account of praktijk 12050001
INSURED_VGZ = {"bsn": "999900006", "geboortedatum": "1980-05-17"}
HOSTNAME = "vecozo.ci.test"  # the name a CI job gives the service (VECOZO_SIM_HOSTNAME)
READY_TIMEOUT = 120.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The image, built for this module and removed after it (the base stays cached)."""
    if missing := missing_tools():
        pytest.skip(
            f"{', '.join(missing)} not installed and not installable here "
            "(`make container-deps` installs podman, runc and debootstrap as root with apt)"
        )
    tag = f"localhost/vecozo-sim-test:{uuid.uuid4().hex[:12]}"
    started = time.perf_counter()
    ensure_base_image()
    context = tmp_path_factory.mktemp("container-context")
    make_wheels(context / "container-wheels")
    build_image(tag, context)
    print(f"container image (base, wheels, build): {time.perf_counter() - started:.1f} s")
    try:
        yield tag
    finally:
        podman("rmi", "-f", tag, check=False)


class Container:
    """One container of ``image`` on the host network, its home in a fresh named volume."""

    def __init__(self, image: str, *, port: int, admin_port: int) -> None:
        suffix = uuid.uuid4().hex[:12]
        self.name, self.volume = f"vecozo-sim-test-{suffix}", f"vecozo-sim-test-{suffix}"
        self.image, self.port, self.admin_port = image, port, admin_port

    def run(self) -> None:
        podman("volume", "create", self.volume)
        podman(
            "run", "-d", "--name", self.name, "--network", "host", *ULIMITS,
            "-v", f"{self.volume}:/data",
            "-e", f"VECOZO_SIM_PORT={self.port}", "-e", f"VECOZO_SIM_ADMIN_PORT={self.admin_port}",
            "-e", "VECOZO_SIM_PERSONS=300", "-e", "VECOZO_SIM_SEED=4",
            "-e", f"VECOZO_SIM_HOSTNAME={HOSTNAME}",
            self.image,
        )  # fmt: skip

    def wait_healthy(self) -> float:
        """Seconds until ``GET /health`` answers 200; fails with the log if it never does."""
        started = time.perf_counter()
        while time.perf_counter() - started < READY_TIMEOUT:
            try:
                url = f"http://127.0.0.1:{self.admin_port}/health"
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - started
            except (urllib.error.URLError, OSError):
                pass
            state = podman("inspect", "-f", "{{.State.Running}}", self.name).stdout.strip()
            assert state == "true", f"the container stopped:\n{self.logs()}"
            time.sleep(0.5)
        raise AssertionError(f"not healthy in {READY_TIMEOUT} s:\n{self.logs()}")

    def logs(self) -> str:
        done = podman("logs", self.name, check=False)
        return done.stdout + done.stderr

    def copy_out(self, path: str, target: Path) -> Path:
        podman("cp", f"{self.name}:{path}", str(target))
        return target

    def stop(self) -> int:
        """SIGTERM (the image's STOPSIGNAL) and the exit code."""
        podman("stop", "-t", "30", self.name, timeout=60)
        return int(podman("inspect", "-f", "{{.State.ExitCode}}", self.name).stdout.strip())

    def remove(self) -> None:
        podman("rm", "-f", "-t", "5", self.name, check=False, timeout=60)
        podman("volume", "rm", "-f", self.volume, check=False)


@pytest.fixture
def container(image: str) -> Iterator[Container]:
    running = Container(image, port=_free_port(), admin_port=_free_port())
    try:
        yield running
    finally:
        running.remove()


class Curl:
    """``curl`` over mutual TLS as a vendor's client: the copied CA and system certificate,
    the container reached by ``HOSTNAME`` (resolved to 127.0.0.1, as a CI service alias)."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.base = f"https://{HOSTNAME}:{port}"

    def __call__(self, *args: str, certificate: bool = True) -> subprocess.CompletedProcess[str]:
        tls = ["--cacert", "ca.pem", "--resolve", f"{HOSTNAME}:{self.port}:127.0.0.1"]
        if certificate:
            tls += ["--cert", f"{DENTIST_SYSTEM}.pem", "--key", f"{DENTIST_SYSTEM}-key.pem"]
        return subprocess.run(
            ["curl", "-sS", "--max-time", "20", *tls, *args],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    def json(self, *args: str) -> Any:
        done = self(*args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def _copy_certificates(container: Container, folder: Path) -> None:
    """Exactly the docs' ``podman cp`` lines: the CA, one system certificate and its key."""
    container.copy_out("/data/pki/ca.pem", folder / "ca.pem")
    for name in (f"{DENTIST_SYSTEM}.pem", f"{DENTIST_SYSTEM}-key.pem"):
        container.copy_out(f"/data/accounts/{name}", folder / name)


def _push(curl: Curl, folder: Path, declaration: Path) -> str:
    """The dentist's MZ301 to VGZ as docs/CLIENT.md pushes it; its traceerId."""
    traceer_id = str(uuid.uuid4())
    metadata = {
        "routeringgegevens": {
            "afzender": {"rol": "Praktijk", "code": "12050001"},
            "geadresseerden": [{"rol": "Zorgverzekeraar", "code": "7095"}],
            "berichtstroom": {
                "berichttype": "MZ301",
                "berichtversie": 1,
                "berichtsubversie": 3,
                "actie": "Indienen",
            },
        },
        "referentiegegevens": {"traceerId": traceer_id, "conversatieId": str(uuid.uuid4())},
    }
    (folder / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    done = curl(
        "-o", "/dev/null", "-w", "%{http_code}",
        "-F", "berichtMetadata=@metadata.json;type=application/json",
        "-F", f"payload=@{declaration.name};type=application/octet-stream",
        f"{curl.base}/berichtenservice/berichten/rest-push/v1/berichten",
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "204"), done.stderr
    return traceer_id


def _returns(curl: Curl, traceer_id: str) -> list[dict[str, Any]]:
    search = {"zoekpadType": "ZoekpadOpAlsAntwoordOp", "alsAntwoordOp": traceer_id}
    found: list[dict[str, Any]] = curl.json(
        "-H", "Content-Type: application/json", "-d", json.dumps(search),
        f"{curl.base}/berichtenservice/berichten/rest-pull/v1/berichten/zoeken",
    )  # fmt: skip
    return found


def _wait_for_return(curl: Curl, traceer_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if found := _returns(curl, traceer_id):
            [answer] = found
            return answer
        time.sleep(0.5)
    raise AssertionError(f"no return for {traceer_id} in 60 s")


def _fetch_return(curl: Curl, answer: dict[str, Any]) -> bytes:
    """The return's payload, checked against the size and SHA256 its listing announces."""
    announced = answer["basisgegevens"]["payload"]
    done = curl("-o", "return.asc", announced["url"])
    assert done.returncode == 0, done.stderr
    payload = (curl.folder / "return.asc").read_bytes()
    assert len(payload) == announced["grootte"]
    assert hashlib.sha256(payload).hexdigest() == announced["checksum"]["waarde"]
    return payload


def _cov(curl: Curl) -> str:
    answer = curl.json(
        "-H", "Content-Type: application/json", "-d", json.dumps(INSURED_VGZ),
        f"{curl.base}/cov/v1/controle",
    )  # fmt: skip
    return str(answer["zoekresultaten"][0]["resultaat"])


def _declaration(container: Container, folder: Path) -> Path:
    """A real MZ301 of the container's own world (``vecozo-sim generate`` inside it)."""
    podman(
        "exec", container.name, "vecozo-sim", "generate", "--home", "/data",
        "--provider", "12050001", "--insurer", "7095", "--lines", "3", "-o", "/data/decl.asc",
    )  # fmt: skip
    return container.copy_out("/data/decl.asc", folder / "decl.asc")


def test_the_image_serves_a_round_trip_over_mutual_tls_and_keeps_its_data(
    container: Container, tmp_path: Path
) -> None:
    started = time.perf_counter()
    container.run()
    first_start = container.wait_healthy()
    first_line = container.logs().splitlines()[0]
    assert first_line.startswith(f"vecozo-sim up: listening on 0.0.0.0 port {container.port}")
    assert f"port {container.admin_port} (admin" in first_line
    assert podman("healthcheck", "run", container.name, check=False).returncode == 0
    assert podman("exec", container.name, "id", "-u").stdout.strip() != "0"  # not root

    _copy_certificates(container, tmp_path)
    curl = Curl(tmp_path, container.port)
    assert curl("-o", "/dev/null", f"{curl.base}/openapi/", certificate=False).returncode != 0
    traceer_id = _push(curl, tmp_path, _declaration(container, tmp_path))
    answer = _wait_for_return(curl, traceer_id)
    assert answer["routeringgegevens"]["berichtstroom"]["berichttype"] == "MZ302"
    returned = _fetch_return(curl, answer)
    assert _cov(curl) == "Gevonden"

    assert container.stop() == 0
    ca = (tmp_path / "ca.pem").read_bytes()
    podman("start", container.name)
    second_start = container.wait_healthy()
    logs = container.logs()
    assert logs.count("creating one") == 1  # the second start found its world in the volume
    assert container.copy_out("/data/pki/ca.pem", tmp_path / "ca-again.pem").read_bytes() == ca
    assert [a["referentiegegevens"] for a in _returns(curl, traceer_id)] == [
        answer["referentiegegevens"]
    ]
    assert _fetch_return(curl, answer) == returned
    assert _cov(curl) == "Gevonden"
    print(
        f"container: healthy {first_start:.1f} s after run (new world), {second_start:.1f} s "
        f"after restart; test body {time.perf_counter() - started:.1f} s"
    )


def test_a_client_without_the_container_certificate_is_refused(
    container: Container, tmp_path: Path
) -> None:
    """The negatives a vendor meets first: no client certificate, and another CA than the
    container's own (each volume gets a CA of its own at first start)."""
    container.run()
    container.wait_healthy()
    _copy_certificates(container, tmp_path)
    curl = Curl(tmp_path, container.port)
    cov = f"{curl.base}/cov/v1/controle"
    no_certificate = curl("-d", json.dumps(INSURED_VGZ), cov, certificate=False)
    assert no_certificate.returncode != 0
    (tmp_path / "ca.pem").write_bytes(CertificateAuthority.create().cert_pem())
    assert curl("-d", json.dumps(INSURED_VGZ), cov).returncode == 60  # peer not verified
