"""Separation of duties: roles one account may not hold together. An administrator looks
after accounts and keys and a data protection officer the audit log, neither seeing case
content (DESIGN.md, "Who uses it"): an account that is also one of the roles that work or
read cases would let one person both do and oversee, or grant themselves, what the other
role checks. Refused on the roles form, the add form and the command line; accounts that
already hold such roles are listed for their agency's administrators to put right."""

from __future__ import annotations

from collections.abc import Iterable

from sharing.vocabulary import Role

#: The roles that open case content (their agency's cases, or partners' shared with them).
CASEWORK = frozenset(
    {
        Role.CASE_OFFICER,
        Role.MANAGER,
        Role.PARTNER_VIEWER,
        Role.CONFERENCE_CHAIR,
        Role.TRIGGER_LEAD,
    }
)
#: The roles kept apart from casework, each with who holds it and why, in a sentence.
KEPT_APART = {
    Role.ADMINISTRATOR: (
        "An administrator",
        "administrators look after accounts and keys and see no case content",
    ),
    Role.DPO: (
        "A data protection officer",
        "data protection officers oversee who saw what and see no case content",
    ),
}


def _listed(roles: Iterable[Role]) -> str:
    names = sorted(r.label if r is Role.TRIGGER_LEAD else r.label.lower() for r in roles)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def kept_apart(roles: Iterable[Role]) -> str | None:
    """Why one account may not hold these roles together (a sentence for the roles
    field), or None when it may."""
    held = set(roles)
    clash = held & CASEWORK
    for role, (who, why) in KEPT_APART.items():
        if role in held and clash:
            return (
                f"{who} cannot also be a {_listed(clash)}: {why} (separation of duties). "
                "Give the casework roles to a separate account"
            )
    return None
