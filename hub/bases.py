"""A decision's basis on a page: "Why you can see this" names the protocol by its title,
linked to its page at the clause, and the purpose by its title, where the audit log keeps
the basis as the decision wrote it. An emergency access's basis ("Emergency access until
6 December 2026 at 7:47pm: Protocol …") keeps its lead and names its clause the same way."""

from __future__ import annotations

from flask import g, url_for
from markupsafe import Markup, escape

from hub.database import db
from sharing.models import ProtocolRecord
from sharing.protocols import records as protocol_records
from sharing.protocols.policy import basis_parts

#: Where an emergency access's basis gives way to its clause's.
_EMERGENCY_CLAUSE = ": Protocol "


def _versions() -> dict[tuple[str, int], ProtocolRecord]:
    """The protocol versions by (key, version), read once a request."""
    if "protocol_versions" not in g:
        g.protocol_versions = protocol_records.versions_by_key(db())
    return g.protocol_versions  # type: ignore[no-any-return]


def basis_html(basis: str) -> Markup:
    """``basis`` for a reader: "Northshire ASB case management information sharing
    protocol (version 1), clause 4.2 (a link to it), purpose: ASB case management; shared
    with your agency until 6 March 2027", after an emergency access's "Emergency access
    until …: "; any other basis as it is, escaped."""
    lead, found, clause = basis.partition(_EMERGENCY_CLAUSE)
    if found and lead.startswith("Emergency access until "):
        return escape(f"{lead}: ") + basis_html(f"Protocol {clause}")
    parts = basis_parts(basis)
    if parts is None:  # an own agency's case, a lock: no protocol to read
        return escape(basis)
    readable = protocol_records.readable_basis(parts, _versions())
    if readable is None:
        return escape(basis)
    link = url_for(
        "protocols.show", protocol_id=readable.protocol_id, _anchor=f"clause-{readable.clause}"
    )
    return Markup('<a class="govuk-link" href="{}">{}, clause {}</a>, purpose: {}{}').format(
        link, readable.protocol, readable.clause, readable.purpose, readable.rest
    )
