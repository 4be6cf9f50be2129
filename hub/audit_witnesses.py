"""The audit log's witnesses, read from the file named by the ``audit_witnesses``
setting: one ``[[witness]]`` table per partner's witness (``hub-witness``)::

    [[witness]]
    url = "https://witness.northshire-homes.example/asb-hub"   # its add-checkpoint is under it
    key = "witness.northshire-homes.example/asb-hub+1a2b3c4d+BK…"  # its verifier key line

The name is the key's. A file with a problem stops the hub starting, naming the witness
and what is wrong. Each checkpoint the hub makes is then sent to every witness
(``sharing.audit.witnessing``) once it is committed.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy.orm import Session

from hub.config import read_named_file
from hub.settings import ConfigError
from sharing.audit import witnessing
from sharing.audit.verify_audit import COSIGNATURE_V1, Problem, read_cosigner_key
from sharing.models.audit import AuditCheckpoint


class WitnessesInvalid(ConfigError):
    """The witnesses file cannot be used; the message names the witness and the problem."""


def load_witnesses(path: Path | None) -> list[witnessing.Witness]:
    """The witnesses the file names (none without a file)."""
    if path is None:
        return []
    data = read_named_file(path, WitnessesInvalid)
    unknown = sorted(set(data) - {"witness"})
    tables = data.get("witness", [])
    if unknown or not isinstance(tables, list):
        raise WitnessesInvalid(f"audit_witnesses: {path} holds [[witness]] tables only")
    witnesses: list[witnessing.Witness] = []
    for number, table in enumerate(tables, 1):
        where = f"audit_witnesses: witness {number} in {path}"
        if not isinstance(table, dict) or set(table) != {"url", "key"}:
            raise WitnessesInvalid(f"{where} needs exactly a url and a key")
        url, key_line = str(table["url"]), str(table["key"])
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise WitnessesInvalid(f"{where}: its url must be http:// or https://, not {url!r}")
        try:
            key = read_cosigner_key(key_line, f"{where}: its key")
        except Problem as e:
            raise WitnessesInvalid(str(e)) from None
        if key.kind != COSIGNATURE_V1:
            raise WitnessesInvalid(f"{where}: its key is not a witness's (cosignature/v1) key")
        if any(w.name == key.name for w in witnesses):
            raise WitnessesInvalid(f"{where}: {key.name} is named twice")
        witnesses.append(witnessing.Witness(key.name, url, key))
    return witnesses


def configured() -> list[witnessing.Witness]:
    """The app's witnesses."""
    found: list[witnessing.Witness] = current_app.extensions["hub.witnesses"]
    return found


def send(session: Session, checkpoint: AuditCheckpoint) -> list[witnessing.Outcome]:
    """Send a committed checkpoint to the app's witnesses and commit what they answered."""
    outcomes = witnessing.witness_checkpoint(session, checkpoint, configured())
    session.commit()
    return outcomes
