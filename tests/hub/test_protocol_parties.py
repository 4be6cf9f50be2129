"""A protocol discloses only the cases of agencies that are a party to it, as partners and
owners meet it (demo partnership): a share made under a protocol the case's agency did
not sign, or no longer signs in the version in force, opens nothing, and break-glass does
not reach the case of an agency the emergency protocol leaves out."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from sharing import clock
from sharing.access.decide import Actor
from sharing.cases import casework
from sharing.models import (
    Agency,
    Alert,
    AuditEntry,
    BreakGlass,
    Case,
    Conference,
    Share,
    User,
    UserRole,
)
from sharing.protocols import Party, parse_protocol, render_protocol
from sharing.protocols import lifecycle as protocol_lifecycle
from sharing.protocols import records as protocol_records
from sharing.risk.escalation import escalate
from sharing.vocabulary import (
    AgencyType,
    CaseCategory,
    EscalationReason,
    Priority,
    ProtocolStatus,
    Role,
    Triage,
)
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user, next_version, signed_protocol

PURPOSE = "asb_case_management"
ASB = "northshire-asb-case-management"
NOT_FOUND = "Page not found"


def _open_case(session, user: User, summary: str) -> Case:
    case = casework.open_case(
        session,
        Actor.of(user),
        casework.CaseInput(
            category=CaseCategory.NOISE,
            priority=Priority.RED_URGENT,
            triage=Triage.SERIOUS,
            summary=summary,
        ),
    )
    session.commit()
    return case


def _share(session, case: Case, partner: str, protocol_key: str) -> Share:
    """A live share of the case as one made before the hub checked the owner's signature
    (written as the share form did then)."""
    share = Share(
        case_id=case.id,
        agency_id=session.scalar(select(Agency.id).where(Agency.code == partner)),
        protocol_id=signed_protocol(session, protocol_key).id,
        purpose=PURPOSE,
        until=clock.today() + timedelta(days=30),
        created_by_id=case.officer_id,
    )
    session.add(share)
    session.commit()
    return share


def _refused_as_not_found(client, case: Case, purpose: str | None = PURPOSE) -> None:
    query = {} if purpose is None else {"purpose": purpose}
    refused = client.get(f"/cases/{case.id}", query_string=query)
    assert refused.status_code == 404
    assert case.reference not in refused.get_data(as_text=True)
    assert "Why are you opening this case?" not in refused.get_data(as_text=True)


def test_a_share_under_a_protocol_the_owner_never_signed_opens_nothing(
    demo_hub, demo_session
) -> None:
    """Adult safeguarding is not a party to the ASB case-management protocol: a share of
    its case under it (made before the share form refused one) does not give the police
    the case, in "Shared with us", the case page or the case list, nor tells them of its
    escalation; the owner's case page says why the share is not in force."""
    manager = demo_user(demo_session, "northshire-adults", Role.MANAGER)
    case = _open_case(demo_session, manager, "Threats shouted at the neighbour's door")
    share = _share(demo_session, case, "northshire-police", ASB)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    shared = police.get("/shared").get_data(as_text=True)
    assert case.reference not in shared
    _refused_as_not_found(police, case)
    _refused_as_not_found(police, case, purpose=None)
    assert case.reference not in police.get("/cases", query_string={"q": case.reference}).get_data(
        as_text=True
    )
    entry = demo_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "case.view").order_by(AuditEntry.seq.desc())
    ).first()
    assert (entry.object_id, entry.outcome) == (str(case.id), "refused")
    # the owner is told the share gives the police nothing, and why
    page = demo_client(demo_hub, manager).get(f"/cases/{case.id}").get_data(as_text=True)
    version = signed_protocol(demo_session, ASB).version
    assert (
        f"Not in force: Northshire Adult Safeguarding is not a party to version {version} of "
        "the protocol, so the partner agency cannot open the case through it"
    ) in page
    # nor is the police told when the case is escalated
    escalate(demo_session, case, EscalationReason.HATE_INCIDENT)
    demo_session.commit()
    assert not demo_session.scalars(
        select(Alert).where(Alert.case_id == case.id, Alert.agency_id == share.agency_id)
    ).all()
    assert case.reference not in police.get("/alerts").get_data(as_text=True)


def _live_police_share(session, landlord: str) -> Share:
    share = session.scalar(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.revoked_at.is_(None),
            Share.until >= clock.today(),
            Share.purpose == PURPOSE,
            Share.agency.has(code="northshire-police"),
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.id.not_in(select(Conference.case_id)),
            Case.agency.has(code=landlord),
        )
        .order_by(Share.id)
    )
    assert share is not None, f"the demo has no live share of a {landlord} case with the police"
    return share


def test_a_share_stops_when_a_new_version_of_its_protocol_leaves_the_owner_out(
    demo_hub, demo_session
) -> None:
    """Version 2 of the ASB case-management protocol names two of the three landlords as
    parties, where version 1 had every landlord: from the day it takes over, the shares
    Northshire Homes made under version 1 give the police nothing (it has not signed
    version 2), while the other landlords' shares carry on under version 2."""
    left_out = _live_police_share(demo_session, "northshire-homes")
    kept = _live_police_share(demo_session, "larkmoor-ha")
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    for share in (left_out, kept):
        opened = police.get(f"/cases/{share.case_id}", query_string={"purpose": PURPOSE})
        assert opened.status_code == 200
    version_1 = parse_protocol(next_version(demo_session, ASB), source="v2")
    signers = [Party(code, None, Role.MANAGER) for code in ("larkmoor-ha", "wealdbrook-ht")]
    version_2 = replace(
        version_1,
        parties=(
            *signers,
            *(p for p in version_1.parties if p.agency_type is not AgencyType.LANDLORD),
        ),
        clauses=tuple(
            replace(
                c,
                recipients=tuple(
                    r
                    for recipient in c.recipients
                    for r in (
                        (p.agency for p in signers)
                        if recipient == "type:landlord"
                        else (recipient,)
                    )
                ),
            )
            for c in version_1.clauses
        ),
    )
    dpo = Actor.of(demo_user(demo_session, "northshire-police", Role.DPO))
    record = protocol_lifecycle.import_protocol(
        demo_session, dpo, render_protocol(version_2), source="v2"
    )
    for agency_id, role in protocol_records.party_agencies(demo_session, record).items():
        code = demo_session.get(Agency, agency_id).code
        signer = Actor.of(demo_user(demo_session, code, role))
        protocol_lifecycle.sign(demo_session, signer, record.id)
    demo_session.commit()
    assert record.status is ProtocolStatus.ACTIVE
    homes_case = demo_session.get(Case, left_out.case_id)
    _refused_as_not_found(police, homes_case)
    listed = police.get("/shared").get_data(as_text=True)
    assert homes_case.reference not in listed
    carried_on = police.get(f"/cases/{kept.case_id}", query_string={"purpose": PURPOSE})
    assert carried_on.status_code == 200
    # "Why you can see this" names the version it carries on under.
    assert "ASB case management information sharing protocol (version 2), clause" in (
        carried_on.get_data(as_text=True)
    )
    owner = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    page = owner.get(f"/cases/{homes_case.id}").get_data(as_text=True)
    assert (
        "Not in force: Northshire Homes is not a party to version 2 of the protocol, so the "
        "partner agency cannot open the case through it"
    ) in page


def test_break_glass_does_not_reach_the_case_of_an_agency_the_emergency_protocol_leaves_out(
    demo_hub, demo_session
) -> None:
    """The emergency protocol's parties are every type of agency but "other": a police
    officer facing a risk to life opens a landlord's case, but not the case of an agency of
    type "other" (a charity's tenancy support service), and is told why."""
    charity = Agency(
        code="northshire-tenancy-support",
        name="Northshire Tenancy Support",
        type=AgencyType.OTHER,
        area_id=demo_user(demo_session, "northshire-police", Role.MANAGER).agency.area_id,
        case_prefix="NTS",
    )
    worker = User(
        agency=charity,
        email="support.worker@tenancy-support.example",
        display_name="Support Worker",
        password_hash="not used: this user never signs in",
        session_token="tenancy-support-worker",
        role_grants=[UserRole(role=Role.CASE_OFFICER), UserRole(role=Role.MANAGER)],
    )
    demo_session.add_all([charity, worker])
    demo_session.commit()
    case = _open_case(demo_session, worker, "Someone was threatened with a knife on the stairs")
    police_officer = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER, 1)
    police = demo_client(demo_hub, police_officer)
    token = csrf_token(police, "/emergency")
    reason = "A threat to kill was made an hour ago"
    refused = police.post(
        "/emergency", data={"reference": case.reference, "reason": reason, "csrf_token": token}
    )
    assert refused.status_code == 400
    assert (
        "Emergency access refused: the case&#39;s agency is not a party to an active emergency "
        "protocol that covers your agency and role"
    ) in refused.get_data(as_text=True)
    assert demo_session.scalar(select(BreakGlass).where(BreakGlass.case_id == case.id)) is None
    _refused_as_not_found(police, case, purpose=None)
    # a break-glass recorded on it anyway (as one opened before the hub checked) opens nothing
    demo_session.add(
        BreakGlass(
            case_id=case.id,
            user_id=police_officer.id,
            protocol_id=signed_protocol(demo_session, "northshire-emergency").id,
            clause=parse_protocol(
                signed_protocol(demo_session, "northshire-emergency").source, source="emergency"
            )
            .emergency_clauses[0]
            .id,
            started_at=clock.now(),
            expires_at=clock.now() + timedelta(hours=4),
        )
    )
    demo_session.commit()
    _refused_as_not_found(police, case, purpose=None)
    _refused_as_not_found(police, case, purpose="emergency")
    # a party's case still opens
    landlord_case = demo_session.scalar(
        select(Case)
        .where(
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.agency.has(code="northshire-homes"),
            ~Case.id.in_(select(Share.case_id)),
        )
        .order_by(Case.id)
    )
    opened = police.post(
        "/emergency",
        data={"reference": landlord_case.reference, "reason": reason, "csrf_token": token},
    )
    assert opened.status_code == 302
