"""An entry's "why" in words a data protection officer reads aloud: roles by their names,
a protocol clause by its number and the protocol's title, a share by the case and agency
it was made for. The log keeps each entry as it was written (it is verifiable and never
rewritten): this is how it reads on the DPO's pages, in one place. A part of a basis this
does not know is shown as stored, never refused.

This reads an entry whole (a disclosure's categories, a command's or a "not found"
refusal, a list's withheld actions) and each of its parts by the words of its action
(``action_words``) or of any action (``part_words``); ``basis_names`` says what a page
must look up for the identifiers its entries name.
"""

from __future__ import annotations

from sharing.audit import acts, field_words, withheld
from sharing.audit.action_words import BY_ACTION
from sharing.audit.basis_names import Names
from sharing.audit.part_words import clause_in_words, part_in_words
from sharing.vocabulary import CATEGORIES

#: The lists of an agency's actions, whose refusals beside them say what was withheld.
_LISTS = {acts.Action.ACTIONS_LIST.value, acts.Action.ACTIONS_CLOSED_LIST.value}


def _part(part: str, names: Names, action: str | None = None) -> str:
    for pattern, words in BY_ACTION.get(action or "", []):
        found = pattern.fullmatch(part)
        if found is not None:
            return words(found, names)
    return part_in_words(part, names)


def _categories(text: str) -> str | None:
    """``identity,contact`` as "Identity and contact" ("Every category" for them all);
    None for anything that is not a list of categories."""
    found = text.split(",")
    if not all(c in CATEGORIES for c in found):
        return None
    if set(found) == set(CATEGORIES):
        return "Every category"
    return field_words.listed(found).capitalize()


def _disclosed(segment: str, names: Names) -> str:
    """One "categories: basis" of a disclosure (``acts.disclosed``)."""
    head, colon, basis = segment.partition(": ")
    categories = _categories(head) if colon else None
    if categories is None:
        return _plain(segment, names)
    return f"{categories}: {_plain(basis, names)}"


#: How an emergency access's basis begins, and where it gives way to its clause's
#: ("Emergency access until 7 December 2026 at 12:04pm: Protocol …": ``decide``).
_EMERGENCY = "Emergency access until "
_EMERGENCY_CLAUSE = ": Protocol "


def _plain(basis: str, names: Names, action: str | None = None) -> str:
    lead, found, clause_basis = basis.partition(_EMERGENCY_CLAUSE)
    if found and lead.startswith(_EMERGENCY):  # its time kept, its clause in words
        return f"{lead}: {_plain(f'Protocol {clause_basis}', names, action)}"
    clause = clause_in_words(basis, names)
    if clause is not None:
        return clause
    return "; ".join(_part(p, names, action) for p in basis.split("; "))


def in_words(basis: str | None, names: Names, action: str | None = None) -> str | None:
    """An entry's basis as the DPO reads it (None for none), read as ``action``'s entries
    are where it says their stored choices (a case's closure, a Community Trigger
    decision). What this does not know is shown as stored."""
    if not basis:
        return basis
    if basis.startswith(acts.ON_THE_COMMAND_LINE):  # a command's refusal: the rest in words
        rest = basis[len(acts.ON_THE_COMMAND_LINE) :]
        return f"On the command line: {in_words(rest, names, action)}"
    if acts.answered_not_found(basis):
        rest = basis[len(acts.NOT_FOUND_TO_REQUESTER) :]
        return f"Answered “not found”: {in_words(rest, names)}"
    if action in _LISTS and (found := withheld.WITHHELD.fullmatch(basis)):
        return withheld.in_words(found, closed=action == acts.Action.ACTIONS_CLOSED_LIST.value)
    if action in BY_ACTION:
        return _plain(basis, names, action)
    return " | ".join(_disclosed(segment, names) for segment in basis.split(" | "))
