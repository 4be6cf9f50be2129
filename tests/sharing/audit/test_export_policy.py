"""An export carries every checkpoint a co-signature policy may need (hunt s19, finding
3): co-signers sign in their own time, so the checkpoint that meets a DPO's policy may be
older than the newest each of them signed. ``verify_audit.py`` on an export of the latest
entries gives the verdict ``hub audit verify`` gives on the whole log, whichever of the
partners' keys the DPO holds and however many of them they require; refused, both say
which of those keys signed which checkpoint."""

from __future__ import annotations

import re
from itertools import combinations
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from sharing.audit import checkpoints, verification
from sharing.audit.policy import PolicyNotMet, check_policy
from sharing.audit.verify_audit import Policy, read_cosigner_key
from tests.sharing.audit.conftest import ORIGIN, write_log
from tests.sharing.audit.test_verification_policy import WITNESSES, Partnership, witnesses

pytestmark = pytest.mark.long


@pytest.fixture
def partnership(tmp_path: Path) -> Partnership:
    made = Partnership(tmp_path)  # its second checkpoint co-signed by homes-dpo, police-dpo
    yield made
    made.engine.dispose()


def _cosign_in_turn(partnership: Partnership, *turns: tuple[str, ...]) -> list[int]:
    """A checkpoint after five more entries for each turn, co-signed by its names; then
    the latest, co-signed by none. Their sizes."""
    sizes = []
    with Session(partnership.engine) as session:
        for names in (*turns, ()):
            write_log(session, 5)
            made = checkpoints.make_checkpoint(session, partnership.keyring, ORIGIN)
            session.commit()
            partnership.cosign(session, made.id, *names)
            sizes.append(made.size)
    return sizes


def _hub_verdict(partnership: Partnership, names: tuple[str, ...], required: int) -> str:
    """What ``hub audit verify`` says of the policy on the whole log."""
    keys = {n: read_cosigner_key((partnership.dpo / f"{n}.vkey").read_text(), n) for n in names}
    public_key = partnership.keyring.checkpoint_public_key()
    with Session(partnership.engine) as session:
        verified = verification.verify(session, public_key=public_key)
        try:
            found = check_policy(session, ORIGIN, public_key, verified, Policy(keys, required))
        except PolicyNotMet as e:
            return f"refused: {e}"
    return _met(found[0])


def _dpo_verdict(
    partnership: Partnership, export: Path, names: tuple[str, ...], required: int
) -> str:
    """What ``verify_audit.py`` says of the same policy on the export."""
    done = partnership.verify(export, *witnesses(*names), "--require-cosigners", str(required))
    if done.returncode:
        return "refused: " + done.stderr.strip().removeprefix("verify_audit: export.json: ")
    return _met(done.stdout)


def _met(said: str) -> str:
    """The checkpoint that met the policy, its co-signers and who has signed since."""
    found = re.search(
        r"\(size (\d+)\) is co-signed by ([^:]+): .*vouched for by (.+?)(?: so far|, not by)",
        said,
    )
    assert found, said
    return "met by size {} ({}); since: {}".format(*found.groups())


def test_a_dpo_checking_the_latest_entries_gets_the_verdict_of_hub_audit_verify(
    partnership: Partnership,
) -> None:
    """homes-dpo and police-dpo co-signed a checkpoint together; since then homes-dpo
    alone co-signed one, and police-dpo alone a newer one. The export of the entries after
    them carries the checkpoint they co-signed together."""
    homes, police, latest = _cosign_in_turn(partnership, ("homes-dpo",), ("police-dpo",))
    with Session(partnership.engine) as session:
        together = checkpoints.get(session, partnership.second).size
    export = partnership.export(latest - 1, first=police + 1)

    verdicts = {required: _hub_verdict(partnership, WITNESSES, required) for required in (1, 2, 3)}
    assert verdicts == {
        1: f"met by size {police} (police-dpo); since: the hub alone",
        2: f"met by size {together} (homes-dpo, police-dpo); since: police-dpo",
        3: (
            f"refused: the newest checkpoint your co-signers signed (size {police}) has 1 of "
            f"the 3 co-signatures required, by police-dpo; missing: council-dpo, homes-dpo "
            f"(last co-signed size {homes})"
        ),
    }
    for required, verdict in verdicts.items():
        assert _dpo_verdict(partnership, export, WITNESSES, required) == verdict


def test_whichever_partners_keys_a_dpo_holds_both_verifiers_agree(
    partnership: Partnership,
) -> None:
    """After homes-dpo and police-dpo co-signed together, each signed alone, then homes-dpo
    with council-dpo: a DPO holding homes-dpo's and police-dpo's keys and requiring both
    is met by the checkpoint they signed together, though neither's newest."""
    *_, latest = _cosign_in_turn(
        partnership, ("homes-dpo",), ("police-dpo",), ("homes-dpo", "council-dpo")
    )
    export = partnership.export(latest - 1, first=latest - 3)
    for held in range(1, len(WITNESSES) + 1):
        for names in combinations(WITNESSES, held):
            for required in range(1, held + 1):
                assert _dpo_verdict(partnership, export, names, required) == _hub_verdict(
                    partnership, names, required
                ), (names, required)
