"""The witness a partner agency runs (``hub-witness``, c2sp.org/tlog-witness): it
co-signs a checkpoint only when it extends the last one it co-signed, refuses a rewritten
or smaller history with the protocol's status codes, and keeps its state across restarts
and a ``kill -9`` in the middle of writing it. In-process for each rule; as three
separate processes over HTTP for the whole."""

from __future__ import annotations

import ast
import base64
import http.client
import signal
import struct
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sharing.audit import merkle, notes, verify_audit, witness
from tests.fixtures.witnesses import Running, running_witnesses

ORIGIN = "northshire.example/asb-hub-audit"
HUB_KEY = Ed25519PrivateKey.generate()


def raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def leaves(n: int, changed: int | None = None) -> list[bytes]:
    """The leaf hashes of a log of ``n`` entries (entry ``changed`` rewritten)."""
    return [merkle.leaf_hash(f"entry {i}{'!' if i == changed else ''}".encode()) for i in range(n)]


def checkpoint(tree: list[bytes], key: Ed25519PrivateKey = HUB_KEY, origin: str = ORIGIN) -> str:
    """The hub's signed note of the tree, as ``hub audit show`` prints it."""
    text = notes.checkpoint_text(origin, len(tree), merkle.root(tree))
    blob = notes.key_id(origin, raw(key)) + key.sign(text.encode())
    return f"{text}\n{verify_audit.EM_DASH} {origin} {base64.b64encode(blob).decode()}\n"


def request(old: int, tree: list[bytes], **signing: object) -> bytes:
    """An add-checkpoint body from ``old`` entries to ``tree``."""
    proof = merkle.consistency_proof(old, tree) if 0 < old < len(tree) else []
    lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
    return ("\n".join(lines) + "\n\n" + checkpoint(tree, **signing)).encode()  # type: ignore[arg-type]


def make_witness(folder: Path, name: str = "witness.homes.example/w1") -> witness.Witness:
    key_file = folder / f"{name.replace('/', '_')}.pem"
    if not key_file.exists():
        assert witness.main(["keygen", "--out", str(key_file), "--name", name]) == 0
    key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    return witness.Witness(
        name, key, [witness.Log(ORIGIN, raw(HUB_KEY))], witness.State(folder / "state.json")
    )


def verifies(line: str, w: witness.Witness, tree: list[bytes]) -> bool:
    """Whether ``line`` is ``w``'s cosignature/v1 of the tree's checkpoint."""
    name, encoded = line.removeprefix(verify_audit.EM_DASH + " ").split(" ")
    blob = base64.b64decode(encoded)
    public = raw(w.key)
    (timestamp,) = struct.unpack(">Q", blob[4:12])
    text = notes.checkpoint_text(ORIGIN, len(tree), merkle.root(tree))
    return (
        name == w.name
        and blob[:4] == witness.cosigner_key_id(name, public)
        and notes.signs(public, witness.cosigned_message(text, timestamp), blob[12:])
    )


def refused(w: witness.Witness, body: bytes, status: int) -> witness.Refused:
    with pytest.raises(witness.Refused) as refusal:
        w.add_checkpoint(body)
    assert refusal.value.status == status, refusal.value.reason
    return refusal.value


def test_it_co_signs_a_log_that_grows_and_remembers_it(tmp_path: Path) -> None:
    w = make_witness(tmp_path)
    first = w.add_checkpoint(request(0, leaves(5)))
    assert verifies(first, w, leaves(5))
    second = w.add_checkpoint(request(5, leaves(13)))
    assert verifies(second, w, leaves(13))
    again = make_witness(tmp_path)  # restarted: the same state
    assert again.state.head(ORIGIN) == (13, merkle.root(leaves(13)))
    assert verifies(again.add_checkpoint(request(13, leaves(13))), again, leaves(13))


def test_a_rewritten_history_is_refused_and_nothing_is_kept(tmp_path: Path) -> None:
    w = make_witness(tmp_path)
    w.add_checkpoint(request(0, leaves(8)))
    rewritten = leaves(12, changed=3)
    body = request(8, rewritten)
    refused(w, body, 422)
    assert w.state.head(ORIGIN) == (8, merkle.root(leaves(8)))
    forked = refused(
        w, request(8, leaves(8, changed=2))[:0] + request(0, leaves(8, changed=2)), 409
    )
    assert forked.body == "8\n"


def test_a_smaller_or_stale_checkpoint_is_a_conflict_naming_its_size(tmp_path: Path) -> None:
    w = make_witness(tmp_path)
    w.add_checkpoint(request(0, leaves(10)))
    stale = refused(w, request(4, leaves(9)), 409)
    assert stale.body == "10\n"
    same_size_other_root = refused(w, request(10, leaves(10, changed=9)), 409)
    assert "forked" in same_size_other_root.reason


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (request(0, leaves(3), origin="another.example/log"), 404),
        (request(0, leaves(3), key=Ed25519PrivateKey.generate()), 403),
        (request(0, leaves(3)).replace(b"old 0", b"old 9"), 400),
        (request(0, leaves(3)).replace(b"old 0", b"old 01"), 400),
        (b"old 0\nnot base64!\n\n" + checkpoint(leaves(3)).encode(), 400),
        (b"old 0\n" + checkpoint(leaves(3)).encode(), 400),
        (b"\xff\xfe", 400),
        (b"old 0\n\nnot a checkpoint\n", 403),
    ],
)
def test_bad_requests_get_the_protocols_answers(tmp_path: Path, body: bytes, status: int) -> None:
    refused(make_witness(tmp_path), body, status)


def test_an_unreadable_state_file_stops_the_witness_saying_so(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text("{half a")
    with pytest.raises(verify_audit.Problem, match="the state file cannot be read"):
        make_witness(tmp_path)


# -- as separate processes ----------------------------------------------------------------


@pytest.fixture
def three(tmp_path: Path) -> Iterator[list[Running]]:
    with running_witnesses(tmp_path, 3, notes.verifier_key(ORIGIN, raw(HUB_KEY))) as witnesses:
        yield witnesses


def test_three_witnesses_co_sign_the_log_and_each_refuses_a_rewrite(three: list[Running]) -> None:
    for w in three:
        assert w.add(request(0, leaves(6)))[0] == 200
        status, line = w.add(request(6, leaves(20)))
        assert status == 200
        assert line.startswith(f"{verify_audit.EM_DASH} {w.name} ")
    answers = [w.add(request(20, leaves(30, changed=4))) for w in three]
    assert [status for status, _ in answers] == [422, 422, 422]
    stale = three[0].add(request(6, leaves(30)))
    assert stale == (409, "20\n")


def test_the_state_survives_kill_9_in_the_middle_of_writing(three: list[Running]) -> None:
    w = three[0]
    sizes = list(range(1, 400))
    signed: list[int] = []
    stop = threading.Event()

    def submit() -> None:
        old = 0
        for size in sizes:
            if stop.is_set():
                return
            try:
                status, _ = w.add(request(old, leaves(size)))
            except (OSError, http.client.HTTPException):  # killed before or while answering
                return
            if status == 200:
                signed.append(size)
                old = size

    sender = threading.Thread(target=submit)
    sender.start()
    # Killed once it has co-signed some and is on to the next, however slow the machine:
    # a fixed sleep killed it before its first answer when the worker was starved.
    deadline = time.monotonic() + 20
    while len(signed) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    w.stop(signal.SIGKILL)
    stop.set()
    sender.join(timeout=20)
    assert signed, "it co-signed some before it was killed"

    kept = make_witness_state(w.folder)
    # the last answered, or the next if it was killed between keeping it and answering
    assert kept[0] in (signed[-1], signed[-1] + 1)
    assert kept[1] == merkle.root(leaves(kept[0]))
    w.start()  # restarts on what it kept, and goes on from there
    assert w.add(request(kept[0], leaves(kept[0] + 5)))[0] == 200


def make_witness_state(folder: Path) -> tuple[int, bytes]:
    return witness.State(folder / "state.json").head(ORIGIN)


def test_the_witness_needs_only_the_standard_library_cryptography_and_the_verifier() -> None:
    tree = ast.parse(Path(witness.__file__).read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
        if not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
    }
    outside = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names}
    assert {name.split(".")[0] for name in outside} <= {"cryptography", "sharing"}
    assert {name for name in outside if name.startswith("sharing")} == {
        "sharing.audit.verify_audit"
    }


@pytest.mark.parametrize("length", ["abc", "1e3", "-5", ""])
def test_a_request_whose_length_is_not_a_number_is_answered_400(
    tmp_path: Path, length: str
) -> None:
    """A malformed request is answered, as the protocol's other bad requests are, not left
    to end the connection with a traceback in the witness's log."""
    server = witness.serve(make_witness(tmp_path), "127.0.0.1", 0)
    running = threading.Thread(target=server.serve_forever, daemon=True)
    running.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
        connection.putrequest("POST", "/add-checkpoint")
        connection.putheader("Content-Length", length)
        connection.endheaders()
        answer = connection.getresponse()
        assert (answer.status, answer.read()) == (400, b"the request body is empty or too large\n")
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
        running.join()
