"""``hub audit``: verify the log, sign checkpoints, export, prove, and co-sign. The group
is made here of its commands: those on the log itself are ``hub.cli_audit_log``, the
export and proofs ``hub.cli_audit_proofs``, partners' keys and co-signatures
``hub.cli_audit_cosigning``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from hub.cli_audit_cosigning import audit_cosign, audit_keys
from hub.cli_audit_log import (
    audit_checkpoint,
    audit_integrate,
    audit_public_key,
    audit_reindex,
    audit_show,
    audit_verify,
)
from hub.cli_audit_proofs import audit_consistency, audit_export, audit_proof


@click.group(cls=AppGroup)
def audit() -> None:
    """The audit log: verification, checkpoints, exports, proofs, co-signatures."""


for command in (
    audit_verify,
    audit_reindex,
    audit_integrate,
    audit_checkpoint,
    audit_show,
    audit_public_key,
    audit_export,
    audit_proof,
    audit_consistency,
    audit_keys,
    audit_cosign,
):
    audit.add_command(command)
