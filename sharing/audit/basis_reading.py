"""How an entry's basis reads to a DPO: the records of an agency it lists (``named``),
another agency's list showing only the reader's own records (``only_yours``), and a long
list shortened to its first identifiers and how many it named (``shortened``). The entry
itself keeps them all.
"""

from __future__ import annotations

from sharing.audit.listings import listed
from sharing.formats import is_digits

#: The kinds of list a basis names records of an agency under: cases, people, and the
#: actions on cases and the shares of them.
AGENCY_LISTS = ("cases", "persons", "actions", "shares")


def named(basis: str | None) -> dict[str, set[int]]:
    """The records a basis lists (``AGENCY_LISTS``), a case named on its own in
    a part "case N: …" (the shared risk's categories of each case) among the cases."""
    found = {kind: listed(basis, kind) for kind in AGENCY_LISTS}
    for part in (basis or "").split("; "):
        label, _, rest = part.partition(" ")
        number = rest.partition(":")[0]
        if label == "case" and ":" in rest and is_digits(number):
            found["cases"].add(int(number))
    return found


def only_yours(basis: str | None, yours: dict[str, set[int]]) -> str | None:
    """Another agency's basis as a reader sees it: each list of ``AGENCY_LISTS`` keeps only
    the reader's own records (``yours``: their cases and people, and the actions on their
    cases) and says how many others it named, and a part
    "case N: …" of a case not theirs is left out. What another agency's list showed of
    other agencies' records is not the reader's to read."""
    if basis is None:
        return None
    parts = []
    for part in basis.split("; "):
        label, _, rest = part.partition(" ")
        number = rest.partition(":")[0]
        if label == "case" and ":" in rest and is_digits(number):
            if int(number) in yours["cases"]:
                parts.append(part)
            continue
        values = rest.split(",")
        if label in AGENCY_LISTS and all(is_digits(v) for v in values):
            kept = [v for v in values if int(v) in yours[label]]
            others = len(values) - len(kept)
            part = f"{label} {','.join(kept) or 'none of yours'}"
            if others:
                part += f" (and {others} of other agencies)"
        parts.append(part)
    return "; ".join(parts)


def shortened(basis: str | None, most: int = 20) -> str | None:
    """A basis as a reader sees it: each list of more than ``most`` identifiers shows its
    first ``most`` and how many it names ("cases 3,4,…,51,… (401 in all)"); the entry
    itself keeps them all."""
    if basis is None:
        return None
    parts = []
    for part in basis.split("; "):
        label, _, values = part.partition(" ")
        found = values.split(",")
        if len(found) > most and all(is_digits(v) for v in found):
            part = f"{label} {','.join(found[:most])},… ({len(found)} in all)"
        parts.append(part)
    return "; ".join(parts)
