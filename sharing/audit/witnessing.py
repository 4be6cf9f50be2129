"""Sending each new checkpoint to the partners' witnesses (``hub-witness``, the C2SP
transparency log witness protocol) and keeping their co-signatures.

For each witness the hub remembers the size it last co-signed and sends the checkpoint
with a consistency proof from there; a witness that answers 409 with another size is
sent a proof from that size once. A co-signature is kept only if it verifies against the
witness key the hub's operator configured. Witnesses are asked in parallel, each with a
short timeout, after the checkpoint is committed: a witness that is down or refuses
delays nothing and blocks nothing; what happened is kept for the DPO's page
(``AuditWitnessStatus``). The request carries the signed checkpoint and hashes only.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.audit import notes, proofs
from sharing.audit.checkpoints import signed_note, text_of
from sharing.audit.verify_audit import CosignerKey, is_size
from sharing.models.audit import AuditCheckpoint, AuditWitnessCosignature, AuditWitnessStatus

#: Seconds to wait for a witness's answer.
TIMEOUT = 5.0


@dataclass(frozen=True)
class Witness:
    """A witness as the hub's operator configured it: its name, the address its
    ``add-checkpoint`` is under, and its cosignature/v1 verifier key."""

    name: str
    url: str
    key: CosignerKey

    @property
    def endpoint(self) -> str:
        return self.url.rstrip("/") + "/add-checkpoint"


@dataclass(frozen=True)
class Outcome:
    witness: str
    cosigned: bool
    #: Why not, in a line (an HTTP status and the witness's reason, or the failure).
    problem: str = ""


def _post(url: str, body: bytes, timeout: float) -> tuple[int, str]:
    request = urllib.request.Request(  # noqa: S310 - a configured http(s) address
        url, data=body, method="POST", headers={"Content-Type": "text/plain; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return answer.status, answer.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read(4096).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        return 0, f"unreachable ({type(reason).__name__})"


def _body(session: Session, checkpoint: AuditCheckpoint, old: int) -> bytes:
    proof = proofs.consistency(session, old, checkpoint.size) if 0 < old < checkpoint.size else []
    lines = [f"old {old}", *(notes.b64(h) for h in proof)]
    return ("\n".join(lines) + "\n\n" + signed_note(checkpoint)).encode()


def witness_checkpoint(
    session: Session,
    checkpoint: AuditCheckpoint,
    witnesses: Sequence[Witness],
    timeout: float = TIMEOUT,
) -> list[Outcome]:
    """Ask each witness that has not yet co-signed ``checkpoint`` (committed already) to
    co-sign it; keep the co-signatures that verify and what each witness answered. Does
    not commit."""
    done = {w.witness for w in checkpoint.witness_cosignatures}
    witnesses = [w for w in witnesses if w.name not in done]
    if not witnesses:
        return []
    known = {s.witness: s for s in session.scalars(select(AuditWitnessStatus))}
    records = {
        w.name: known.get(w.name) or AuditWitnessStatus(witness=w.name, size=0) for w in witnesses
    }
    session.add_all(records.values())
    olds = {w.name: min(records[w.name].size, checkpoint.size) for w in witnesses}
    bodies = {w.name: _body(session, checkpoint, olds[w.name]) for w in witnesses}
    with ThreadPoolExecutor(max_workers=len(witnesses)) as pool:
        answers = dict(
            zip(
                (w.name for w in witnesses),
                pool.map(lambda w: _post(w.endpoint, bodies[w.name], timeout), witnesses),
                strict=True,
            )
        )
    outcomes = []
    for witness in witnesses:
        status, text = answers[witness.name]
        if status == 409 and is_size(text.strip()) and int(text) <= checkpoint.size:
            # the witness is at another size than the hub remembered: prove from there
            status, text = _post(witness.endpoint, _body(session, checkpoint, int(text)), timeout)
        outcomes.append(_keep(checkpoint, witness, records[witness.name], status, text))
    session.flush()
    return outcomes


def _keep(
    checkpoint: AuditCheckpoint,
    witness: Witness,
    record: AuditWitnessStatus,
    status: int,
    text: str,
) -> Outcome:
    now = clock.now()
    if status == 200:
        signature = _cosignature(checkpoint, witness, text)
        if signature is not None:
            checkpoint.witness_cosignatures.append(
                AuditWitnessCosignature(
                    witness=witness.name, key_id=witness.key.key_id, signature=signature, at=now
                )
            )
            record.size, record.last_ok_at = checkpoint.size, now
            return Outcome(witness.name, True)
        problem = "answered without a co-signature that verifies with its configured key"
    else:
        reason = " ".join(text.split())[:200]
        problem = f"HTTP {status}: {reason}" if status else reason
    record.last_failure, record.last_failure_at = problem[:300], now
    return Outcome(witness.name, False, problem)


def _cosignature(checkpoint: AuditCheckpoint, witness: Witness, text: str) -> bytes | None:
    """The witness's signature bytes (timestamp and signature) from its answer, if a line
    of it is the configured key's co-signature of the checkpoint."""
    for line in text.splitlines():
        try:
            signed = notes.parse_signature_line(line)
        except notes.NoteError:
            continue
        if (
            signed.name == witness.name
            and signed.key_id == witness.key.key_id
            and witness.key.signed(text_of(checkpoint), signed.signature)
        ):
            return signed.signature
    return None


def statuses(session: Session, witnesses: Sequence[Witness]) -> list[AuditWitnessStatus]:
    """What the hub last heard from each configured witness (never asked: size 0)."""
    known = {s.witness: s for s in session.scalars(select(AuditWitnessStatus))}
    return [known.get(w.name) or AuditWitnessStatus(witness=w.name, size=0) for w in witnesses]
