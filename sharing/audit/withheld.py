"""The refusals an actions list records beside its own entry, one for each case whose
actions it listed without what they say (``sharing.cases.agency_actions.record_withheld``):
why, as stored ("actions 12,15; no live share of the case with their agency"), and as the
DPO's "Why" reads it.

Each reading of a list is an act of its own, recorded as every view is (one entry for
the list, in its transaction), so each reading records its refusals again: a DPO sees
how often a partner's user was shown an action they may not read, not only that they
once were.
"""

from __future__ import annotations

import re

from sharing.audit import field_words

#: Why a list withheld what its actions on a case say, as the entry stores it.
LOCKED = "the case is locked to named people"
NOT_SHARED = "no live share of the case with their agency"
NOT_ACTIONS = "the case's actions are not shared with their agency"

#: Each reason in the DPO's words.
_WORDS = {
    LOCKED: "the case is locked to named people, and they are not one of them",
    NOT_SHARED: "the case is not shared with their agency",
    NOT_ACTIONS: "the case is shared with their agency, but not its actions",
}

#: A withheld case's refusal as stored: the actions, then why.
WITHHELD = re.compile(
    rf"actions (?P<ids>\d+(?:,\d+)*); (?P<why>{'|'.join(map(re.escape, _WORDS))})"
)


def in_words(found: re.Match[str], closed: bool = False) -> str:
    """A withheld case's refusal (``WITHHELD``) as the DPO reads it: "Refused what action
    12 says, listed for their agency: the case is not shared with their agency (recorded
    at each reading of the list)"."""
    ids = found["ids"].split(",")
    what = f"action {ids[0]} says" if len(ids) == 1 else f"actions {field_words.listed(ids)} say"
    listed = "among its closed actions" if closed else "for their agency"
    return (
        f"Refused what {what}, listed {listed}: {_WORDS[found['why']]} "
        "(recorded at each reading of the list)"
    )
