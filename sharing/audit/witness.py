"""A witness of the hub's audit log, run by a partner agency on its own machine.

The hub cannot be trusted alone with its own log: someone holding its database and its
key store can rewrite history and sign it again. A witness remembers the last checkpoint
it co-signed for each log it watches, and co-signs a new one only when a consistency
proof shows that the new tree extends it. Two different histories can then never both be
co-signed by it, and a verifier that requires co-signatures (``verify_audit.py
--cosigner-key``) can tell.

It speaks the C2SP transparency log witness protocol (c2sp.org/tlog-witness): the hub
sends ``POST /add-checkpoint`` with the old size, the consistency proof and the signed
checkpoint; the witness answers with a timestamped Ed25519 co-signature line
(c2sp.org/tlog-cosignature, ``cosignature/v1``), or refuses: 404 a log it does not
watch, 403 a checkpoint not signed by the log's key, 400 an old size beyond the
checkpoint (or a malformed request), 409 an old size other than the one it co-signed
last (its body that size, ``text/x.tlog.size``) or the same size with another root, 422
a proof that does not verify. Checking the old size and keeping the new checkpoint are
one step: its state file is replaced atomically (written beside, flushed, renamed), so a
crash or ``kill -9`` mid-write leaves the old state or the new, never half of one.

Standard library and ``cryptography`` only::

    hub-witness keygen --out witness.pem --name witness.homes.example/asb-hub
    hub-witness serve --key witness.pem --name witness.homes.example/asb-hub \\
        --log hub-audit.vkey --state witness-state.json --listen 127.0.0.1:8700
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sharing.audit.verify_audit import (
    COSIGNATURE_V1,
    EM_DASH,
    Problem,
    checkpoint_fields,
    cosigned_message,
    cosigner_key_id,
    is_size,
    key_id,
    read_public_key,
    signs,
    split_note,
    unb64,
    verify_consistency,
)

#: The most proof lines a request may carry (the protocol's limit), and the largest body.
MAX_PROOF = 63
MAX_BODY = 64 * 1024
EMPTY_ROOT = hashlib.sha256(b"").digest()


def cosigner_verifier_key(name: str, public_key: bytes) -> str:
    """The key as a verifier key line: ``<name>+<key ID>+base64(0x04 || key)``."""
    encoded = base64.b64encode(bytes([COSIGNATURE_V1]) + public_key).decode()
    return f"{name}+{cosigner_key_id(name, public_key).hex()}+{encoded}"


def cosignature_line(name: str, key: Ed25519PrivateKey, checkpoint_text: str, now: int) -> str:
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    signature = key.sign(cosigned_message(checkpoint_text, now))
    blob = cosigner_key_id(name, public) + struct.pack(">Q", now) + signature
    return f"{EM_DASH} {name} {base64.b64encode(blob).decode()}\n"


class Refused(Exception):
    """The witness will not co-sign: the HTTP status, and a line saying why."""

    def __init__(self, status: int, reason: str, body: str = "") -> None:
        super().__init__(reason)
        self.status, self.reason, self.body = status, reason, body or reason + "\n"


@dataclass(frozen=True)
class Log:
    origin: str
    public_key: bytes


class State:
    """The last checkpoint co-signed for each log, kept in a JSON file replaced whole."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.heads: dict[str, tuple[int, bytes]] = {}
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self.heads = {
                    origin: (int(head["size"]), base64.b64decode(head["root"]))
                    for origin, head in data["logs"].items()
                }
            except (OSError, ValueError, KeyError, TypeError) as e:
                raise Problem(f"{path}: the state file cannot be read ({e}): restore it") from None

    def head(self, origin: str) -> tuple[int, bytes]:
        return self.heads.get(origin, (0, EMPTY_ROOT))

    def keep(self, origin: str, size: int, root: bytes) -> None:
        """Record the new head, on disk first: the file is replaced atomically."""
        heads = {**self.heads, origin: (size, root)}
        data = {
            "logs": {
                o: {"size": s, "root": base64.b64encode(r).decode()} for o, (s, r) in heads.items()
            }
        }
        folder = self.path.parent
        handle, temporary = tempfile.mkstemp(prefix=".witness-state-", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        self.heads = heads


class Witness:
    def __init__(self, name: str, key: Ed25519PrivateKey, logs: Sequence[Log], state: State):
        self.name, self.key, self.state = name, key, state
        self.logs = {log.origin: log for log in logs}

    def add_checkpoint(self, body: bytes, now: int | None = None) -> str:
        """Check a request of the protocol and co-sign its checkpoint: the signature
        line; ``Refused`` otherwise."""
        old, proof, note = _parse(body)
        try:
            text, lines = split_note(note, "the checkpoint")
            origin, size, root = checkpoint_fields(text, "the checkpoint")
        except Problem as e:
            raise Refused(403, f"not a signed checkpoint: {e}") from None
        log = self.logs.get(origin)
        if log is None:
            raise Refused(404, "this witness does not watch that log")
        wanted = key_id(origin, log.public_key)
        if not any(
            name == origin and kid == wanted and signs(log.public_key, text.encode(), signature)
            for name, kid, signature in lines
        ):
            raise Refused(403, "the checkpoint is not signed by the log's key")
        if old > size:
            raise Refused(400, f"the old size {old} is beyond the checkpoint's size {size}")
        if size == 0 and root != EMPTY_ROOT:
            raise Refused(422, "an empty tree has another root")
        with self.state.lock:  # checking the old size and keeping the new head: one step
            known_size, known_root = self.state.head(origin)
            if old != known_size:
                raise Refused(409, "the old size is not the last co-signed", f"{known_size}\n")
            if old == size and root != known_root:
                raise Refused(409, "the same size with another root: the log forked")
            if old == 0 and proof:
                raise Refused(422, "a proof from size 0 must be empty")
            if old and not verify_consistency(old, size, known_root, root, proof):
                raise Refused(422, "the consistency proof does not verify: history was rewritten")
            self.state.keep(origin, size, root)
        return cosignature_line(self.name, self.key, text, int(time.time()) if now is None else now)


def _parse(body: bytes) -> tuple[int, list[bytes], str]:
    """(old size, proof hashes, the checkpoint note) of a request body."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the request is not UTF-8") from None
    head, blank, note = text.partition("\n\n")
    if not blank:
        raise Refused(400, "the request has no blank line before the checkpoint")
    lines = head.split("\n")
    first = lines[0]
    size_text = first.removeprefix("old ")
    if not first.startswith("old ") or not is_size(size_text):
        raise Refused(400, "the first line is not 'old <size>'")
    if len(lines) - 1 > MAX_PROOF:
        raise Refused(400, f"the proof has more than {MAX_PROOF} lines")
    try:
        proof = [unb64(line, "a proof line") for line in lines[1:]]
    except Problem as e:
        raise Refused(400, str(e)) from None
    if any(len(h) != 32 for h in proof):
        raise Refused(400, "a proof line is not a SHA-256 hash")
    return int(size_text), proof, note


class _Handler(BaseHTTPRequestHandler):
    witness: Witness
    server_version = "hub-witness/1"

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        if self.path.rstrip("/").rsplit("/", 1)[-1] != "add-checkpoint":
            self._answer(404, "text/plain", "no such call: POST /add-checkpoint\n")
            return
        given = (self.headers.get("Content-Length") or "").strip()
        length = int(given) if is_size(given) else 0
        if not 0 < length <= MAX_BODY:
            self._answer(400, "text/plain", "the request body is empty or too large\n")
            return
        body = self.rfile.read(length)
        try:
            line = self.witness.add_checkpoint(body)
        except OSError as e:  # the state file could not be replaced: nothing co-signed
            self.log_message("cannot keep the state: %s", e.strerror)
            self._answer(503, "text/plain", "the witness cannot keep its state just now\n")
            return
        except Refused as e:
            kind = (
                "text/x.tlog.size" if e.status == 409 and is_size(e.body.strip()) else "text/plain"
            )
            self.log_message("refused (%s): %s", e.status, e.reason)
            self._answer(e.status, kind, e.body)
            return
        self._answer(200, "text/plain; charset=utf-8", line)

    def _answer(self, status: int, kind: str, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve(witness: Witness, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server for ``witness`` (not started: call serve_forever)."""
    handler = type("Handler", (_Handler,), {"witness": witness})
    return ThreadingHTTPServer((host, port), handler)


def _load_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as e:
        raise Problem(f"{path}: cannot read the witness's private key ({e})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise Problem(f"{path}: the witness's key must be Ed25519")
    return key


def _keygen(args: argparse.Namespace) -> str:
    if args.out.exists():
        raise Problem(f"{args.out} exists: not overwriting a key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as f:
        f.write(pem)
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return cosigner_verifier_key(args.name, public)


def _serve(args: argparse.Namespace) -> str:
    logs = []
    for path in args.log:
        try:
            origin, public_key = read_public_key(path.read_text(encoding="utf-8"), str(path))
        except OSError as e:
            raise Problem(f"{path}: cannot read it ({e.strerror})") from None
        if origin is None:
            raise Problem(f"{path}: give the log's key as a verifier key (hub audit public-key)")
        logs.append(Log(origin, public_key))
    witness = Witness(args.name, _load_key(args.key), logs, State(args.state))
    host, _, port = args.listen.rpartition(":")
    server = serve(witness, host or "127.0.0.1", int(port))
    print(
        f"hub-witness: {args.name} watching {', '.join(sorted(witness.logs))} on {args.listen}",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return "stopped"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hub-witness", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("keygen", help="make the witness's Ed25519 key")
    make.add_argument("--out", type=Path, required=True, help="private key file to write (PEM)")
    make.add_argument("--name", required=True, help="the witness's name, e.g. its host and path")
    make.set_defaults(run=_keygen)
    run = commands.add_parser("serve", help="co-sign checkpoints over HTTP")
    run.add_argument("--key", type=Path, required=True, help="the witness's private key (PEM)")
    run.add_argument("--name", required=True, help="the witness's name, as in its verifier key")
    run.add_argument(
        "--log", type=Path, action="append", required=True,
        help="a log's verifier key (hub audit public-key), repeatable",
    )  # fmt: skip
    run.add_argument("--state", type=Path, required=True, help="the witness's state file")
    run.add_argument("--listen", default="127.0.0.1:8700", help="host:port (default %(default)s)")
    run.set_defaults(run=_serve)
    args = parser.parse_args(argv)
    try:
        said: Any = args.run(args)
    except Problem as e:
        print(f"hub-witness: {e}", file=sys.stderr)
        return 1
    print(said)
    return 0


if __name__ == "__main__":
    sys.exit(main())
