"""A partner's user whose actions list (the "Actions" page, or the API's) shows an action
given to their agency on a case they may not read (never shared with them, or its share
ended) is refused what the action says: that refusal is about the case, so it is on the
case's agency's log as well as on their own agency's. There, the DPO reads "A case of
<agency>" in place of the other agency's case reference, with the case's id only where
their agency was once shared the case; the owner's DPO reads its own case's reference."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import log_rows, trail
from sharing.audit.log import integrate
from sharing.cases import actions, share_ending
from sharing.cases.agency_actions import WITHHELD_NOT_SHARED
from sharing.models import Action, Agency, Case, Share, User
from sharing.vocabulary import ActionKind, CaseStatus, Role
from tests.fixtures.demo import demo_actor, demo_client, demo_user, share_demo_case
from tests.fixtures.statements import walk_pages

LANDLORD, POLICE = "larkmoor-ha", "northshire-police"


def _case_never_shared_with_the_police(session: Session, nth: int = 0) -> Case:
    """The landlord's ``nth`` active case never shared with the police, on which the police
    own no action yet (so the refusal names the test's action alone)."""
    shared = select(Share.case_id).where(Share.agency.has(code=POLICE))
    theirs = select(Action.case_id).where(Action.owner_agency.has(code=POLICE))
    case = session.scalar(
        select(Case)
        .where(
            Case.agency.has(code=LANDLORD),
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
            Case.id.not_in(shared),
            Case.id.not_in(theirs),
        )
        .order_by(Case.id)
        .offset(nth)
    )
    assert case is not None
    return case


def _give_the_police_an_action(session: Session, case: Case) -> int:
    officer = Actor.of(session.get(User, case.officer_id))
    police = session.scalar(select(Agency).where(Agency.code == POLICE))
    action = actions.add_action(
        session,
        authorise(session, officer, case.id, Act.RECORD),
        actions.ActionInput(
            kind=ActionKind.PERPETRATOR_VISIT,
            description="Joint visit about the noise",
            owner_agency_id=police.id,
            due_on=clock.today() + timedelta(days=1),
        ),
    )
    session.commit()
    return action.id


def _end_the_police_shares(session: Session, case: Case) -> None:
    officer = Actor.of(session.get(User, case.officer_id))
    live = session.scalars(
        select(Share.id).where(
            Share.case_id == case.id, Share.agency.has(code=POLICE), Share.revoked_at.is_(None)
        )
    )
    for share_id in list(live):
        share_ending.revoke_share(session, officer, share_id)
    session.commit()


def test_both_dpos_read_a_partner_refused_the_actions_on_a_case_not_shared_with_it(
    demo_hub: Flask, demo_session: Session
) -> None:
    never = _case_never_shared_with_the_police(demo_session)
    never_action = _give_the_police_an_action(demo_session, never)
    ended = _case_never_shared_with_the_police(demo_session, nth=1)
    share_demo_case(demo_session, ended, POLICE)
    ended_action = _give_the_police_an_action(demo_session, ended)
    _end_the_police_shares(demo_session, ended)

    officer = demo_user(demo_session, POLICE, Role.CASE_OFFICER)
    page = "".join(walk_pages(demo_client(demo_hub, officer), "/actions"))
    assert f"/actions/{never_action}/done" in page
    assert f"/actions/{ended_action}/done" in page
    integrate(demo_session)
    demo_session.commit()

    for case, action_id, known in ((never, never_action, False), (ended, ended_action, True)):
        owners = [r for r in _rows(demo_session, LANDLORD) if r.object_id == str(case.id)]
        assert owners, "the refusal is on the case's agency's log"
        assert owners[0].user == officer.display_name
        assert owners[0].case_reference == case.reference
        assert owners[0].case_of is None
        assert owners[0].basis == f"actions {action_id}; {WITHHELD_NOT_SHARED}"

        readers = [r for r in _rows(demo_session, POLICE) if r.basis == owners[0].basis]
        assert readers, "and on the reader's agency's log"
        assert readers[0].seq == owners[0].seq
        assert readers[0].case_reference is None
        assert readers[0].case_of == case.agency.name
        assert readers[0].object_id == (str(case.id) if known else None)

    police_log = _page(demo_hub, demo_session, POLICE)
    landlord_log = _page(demo_hub, demo_session, LANDLORD)
    for case in (never, ended):
        assert case.reference not in police_log
        assert f"Case {case.reference}" in landlord_log
    owner_name = never.agency.name
    assert re.search(rf"A case of {re.escape(owner_name)} \(case {ended.id}\)", police_log)
    assert re.search(rf"A case of {re.escape(owner_name)}(?! \(case)", police_log)


def _rows(session: Session, agency: str) -> list[log_rows.LogRow]:
    dpo = demo_actor(session, agency, Role.DPO)
    filters = trail.LogFilters(action=trail.acts.Action.ACTIONS_LIST)
    found = trail.search_log(session, dpo, filters).rows
    session.commit()  # the search's own entry
    return [r for r in found if r.outcome == "refused"]


def _page(app: Flask, session: Session, agency: str) -> str:
    dpo = demo_client(app, demo_user(session, agency, Role.DPO))
    page = dpo.get("/audit?action=actions.list")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def test_the_dpo_reads_why_a_partner_was_refused_an_action_in_words_once_a_reading(
    demo_hub: Flask, demo_session: Session
) -> None:
    """The refusal's "Why" says what was refused and why in words, as the log's other
    refusals do, never the stored "actions 12; no live share of the case with their
    agency"; each reading of the list is an act of its own, recorded as every view is, so
    a second reading is a second refusal, and the "Why" says so."""
    case = _case_never_shared_with_the_police(demo_session, nth=2)
    action_id = _give_the_police_an_action(demo_session, case)
    officer = demo_user(demo_session, POLICE, Role.CASE_OFFICER)
    client = demo_client(demo_hub, officer)
    for _reading in range(2):
        "".join(walk_pages(client, "/actions"))
    integrate(demo_session)
    demo_session.commit()

    said = (
        f"Refused what action {action_id} says, listed for their agency: the case is not "
        "shared with their agency (recorded at each reading of the list)"
    )
    for agency in (LANDLORD, POLICE):
        refusals = [
            r
            for r in _rows(demo_session, agency)
            if r.basis == f"actions {action_id}; {WITHHELD_NOT_SHARED}"
        ]
        assert len(refusals) == 2, "one a reading"
        assert {r.why for r in refusals} == {said}
        page = _page(demo_hub, demo_session, agency)
        assert said in page
        assert WITHHELD_NOT_SHARED not in page
