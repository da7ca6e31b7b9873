"""Files: the CA's directory (``ca.pem``, ``ca-key.pem``, ``crl.pem``, ``ca-state.json``), and
the one atomic writer this package uses, which creates private keys 0600 from the first byte.

Two ``vecozo-sim certs`` commands may run at once (a test suite revoking in parallel): each
reads ``ca-state.json``, changes it and writes it back with the CRL. ``ca_lock`` serialises
those read-modify-write cycles (``flock`` on ``.ca.lock`` in the same directory); without it the
last writer silently dropped the other revocations (measured: 11 of 30 lost).

The names match ``world.HomeLayout`` (``HOME/pki/``) without importing it, so the library can
also keep a CA anywhere else, e.g. in a test's temporary directory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from certs._build import PrivateKey
from certs._errors import CaStoreError
from certs._state import CaState, IssuedRecord, state_from_json

__all__ = [
    "CA_CERT",
    "CA_KEY",
    "CRL",
    "STATE",
    "StrPath",
    "ca_lock",
    "load_ca",
    "read_file",
    "save_ca",
    "save_state",
    "with_paths",
    "write_file",
]

StrPath = str | os.PathLike[str]

PRIVATE = 0o600
PUBLIC = 0o644  # before the umask: the commands set 0o077, so 0600 in a vecozo-sim home
LOCK = ".ca.lock"


def write_file(path: StrPath, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file, an fsync and a rename.

    A reader (the gateway reloading the CRL, a client picking up its key) never sees half a file,
    and a crash never leaves an empty one. A private file is created with mode 0600 from the
    first byte, whatever the umask; a public one gets 0644 narrowed by the umask.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    unique = f"{os.getpid()}.{threading.get_ident()}"
    temporary = target.with_name(f".{target.name}.{unique}.tmp")
    mode = PRIVATE if private else PUBLIC
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            if private:
                os.fchmod(handle.fileno(), mode)  # an old temporary may have had a wider mode
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(target.parent)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def ca_lock(directory: StrPath) -> Iterator[None]:
    """Hold the CA directory's exclusive lock: wrap load, change and save in it.

    ``flock`` locks belong to the open file, so two threads of one process exclude each other
    as two processes do, and the kernel releases the lock of a process that dies holding it.
    """
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, PRIVATE)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing the file releases the lock


def read_file(path: StrPath, what: str) -> bytes:
    """The bytes of ``path``, or ``OSError`` turned into a ``CaStoreError`` naming the file."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise CaStoreError(f"{what} not found: {path}") from None
    except OSError as exc:
        raise CaStoreError(f"cannot read {what} {path}: {exc.strerror}") from None


CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
CRL = "crl.pem"
STATE = "ca-state.json"


def save_ca(directory: StrPath, *, cert: bytes, key: bytes, crl: bytes) -> None:
    """Write the CA certificate, its key (0600) and the CRL into ``directory``."""
    root = Path(directory)
    write_file(root / CA_CERT, cert)
    write_file(root / CA_KEY, key, private=True)
    write_file(root / CRL, crl)


def save_state(directory: StrPath, state: CaState) -> None:
    """Write ``ca-state.json``; file paths inside the home are stored relative to it.

    The home is the CA directory's parent (``HOME/pki`` -> ``HOME``), so a copied or moved home
    still finds its account files.
    """
    base = Path(directory).absolute().parent
    portable = dataclasses.replace(
        state, issued={serial: _relocate(r, base, _relative) for serial, r in state.issued.items()}
    )
    text = json.dumps(portable.to_json(), indent=2, ensure_ascii=False) + "\n"
    write_file(Path(directory) / STATE, text.encode())


def load_ca(
    cert_path: StrPath, key_path: StrPath, state_dir: StrPath
) -> tuple[x509.Certificate, PrivateKey, CaState]:
    """Read and cross-check the CA files; every problem is a ``CaStoreError`` naming a file."""
    cert = _load_cert(cert_path)
    key = _load_key(key_path)
    if key.public_key() != cert.public_key():
        raise CaStoreError(f"CA key {key_path} does not belong to CA certificate {cert_path}")
    state = _load_state(Path(state_dir) / STATE)
    base = Path(state_dir).absolute().parent
    state.issued = {serial: _relocate(r, base, _absolute) for serial, r in state.issued.items()}
    return cert, key, state


def with_paths(record: IssuedRecord, cert_path: StrPath, key_path: StrPath) -> IssuedRecord:
    """The record with its file locations, absolute in memory whatever the working directory."""
    cert, key = Path(cert_path).absolute(), Path(key_path).absolute()
    return dataclasses.replace(record, cert_path=str(cert), key_path=str(key))


def _relocate(record: IssuedRecord, base: Path, move: Callable[[str, Path], str]) -> IssuedRecord:
    cert, key = record.cert_path, record.key_path
    return dataclasses.replace(
        record,
        cert_path=None if cert is None else move(cert, base),
        key_path=None if key is None else move(key, base),
    )


def _relative(stored: str, base: Path) -> str:
    path = Path(stored)
    return str(path.relative_to(base)) if path.is_relative_to(base) else stored


def _absolute(stored: str, base: Path) -> str:
    return str(base / stored)  # an absolute ``stored`` wins over ``base`` in the join


def _load_cert(path: StrPath) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(read_file(path, "CA certificate"))
    except ValueError as exc:
        raise CaStoreError(f"CA certificate {path} is not a PEM certificate: {exc}") from None


def _load_key(path: StrPath) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(read_file(path, "CA key"), password=None)
    except (ValueError, TypeError) as exc:
        raise CaStoreError(f"CA key {path} is not an unencrypted PEM key: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise CaStoreError(f"CA key {path} is neither EC nor RSA")
    return key


def _load_state(path: Path) -> CaState:
    if not path.exists():
        return CaState()
    try:
        obj = json.loads(read_file(path, "CA state"))
    except json.JSONDecodeError as exc:
        raise CaStoreError(f"{path}: not JSON ({exc})") from None
    return state_from_json(obj, source=str(path))
