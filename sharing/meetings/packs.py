"""A conference pack: everything one attendee's agency and role may see for a case
conference, in one document: the conference (question, agenda, who is invited, what each
agency said it holds, the meeting and its action plan) and the case (summary, people,
timeline, risk history and actions), each part with the protocol clause that allows it.
The pack of a case erased since says of it what the erased case's page says: when it was
erased and by whom, and how many people it kept, naming no one and showing no risk.

Read through the one decision and reveal that let the attendee into the conference, and
recorded as one audit entry per pack read, on the page or as a PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.cases import erasure
from sharing.cases.pages import CaseView, case_view
from sharing.meetings import conference_pages
from sharing.models import User
from sharing.protocols.records import document
from sharing.risk.disclose import CaseRisk, case_risk
from sharing.risk.matrix import Matrices
from sharing.vocabulary import CATEGORIES

#: The ways a pack is read, as its audit entry names them.
FORMS = ("page", "pdf")


@dataclass(frozen=True)
class Pack:
    """One attendee's conference pack."""

    conference: conference_pages.ConferencePage
    case: CaseView
    risk: CaseRisk
    #: Who the pack was prepared for ("name, agency"), printed on every page of the PDF.
    reader: str
    #: The protocol's handling marking (e.g. OFFICIAL-SENSITIVE), on every page.
    handling: str
    prepared_at: datetime
    #: Each basis of the reader's decision with the categories it allows, in order.
    bases: list[tuple[str, list[str]]]
    #: The categories the reader's agency may not see for this conference.
    withheld: list[str]
    #: Of a case erased since: the people it kept, counted as its page counts them (by
    #: person id; their names are not part of the case), and who erased it.
    kept: dict[int, erasure.KeptPerson]
    erased_by: str | None


def conference_pack(
    session: Session, actor: Actor, conference_id: int, matrices: Matrices, *, form: str
) -> Pack:
    """The attendee's pack, recorded as one audit entry naming the form it was read in
    (``FORMS``) and everything it disclosed. ``NotFound`` for anyone whose agency neither
    convened the conference nor is invited to it."""
    if form not in FORMS:
        raise ValueError(f"a pack is read as one of {FORMS}, not {form!r}")
    conference, authorised = conference_pages.opened(
        session, actor, conference_id, acts.Action.CONFERENCE_PACK
    )
    page = conference_pages.read_conference(session, authorised, conference)
    case = case_view(session, authorised)
    risk = case_risk(session, authorised, matrices)
    kept = erasure.kept_people(session, authorised)
    decision = authorised.decision
    reader = session.get(User, actor.user_id)
    acts.record(
        session,
        acts.Action.CONFERENCE_PACK,
        actor=actor,
        subject=acts.Subject("conference", conference.id),
        purpose=authorised.purpose_recorded,
        basis=(
            f"case {conference.case_id}; {form}; {conference_pages.disclosed(page)}; "
            f"incidents {len(case.incidents)}; risk {'shown' if risk.shown else 'withheld'}"
            + (f"; erased, people kept {len(kept)}" if case.erased else "")
        ),
    )
    return Pack(
        conference=page,
        case=case,
        risk=risk,
        reader=f"{reader.display_name}, {reader.agency.name}" if reader else "",
        handling=document(conference.protocol).handling,
        prepared_at=clock.now(),
        bases=[
            (basis, list(categories))
            for basis, categories in decision.bases_for(*CATEGORIES).items()
        ],
        withheld=[c for c in CATEGORIES if not decision.allows(c)],
        kept=kept,
        erased_by=erasure.erased_by(session, authorised.case),
    )
