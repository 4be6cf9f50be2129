"""Setting a partnership up: its area with the area's wards, and its agencies, which an
operator adds from the command line before anyone signs in (``hub areas add``,
``hub agencies add``). Each is checked whole before anything is added, and recorded
(by code and id, never a person's name)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing.audit import acts
from sharing.errors import InputError
from sharing.formats import checked_text
from sharing.models import Agency, Area, Ward
from sharing.vocabulary import AgencyType

#: An area's or agency's code: what protocols and commands name it by (``northgate-homes``).
CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_CODE = 40
#: The letters before a case's year in its references (``NGH`` in ``NGH-2026-00012``).
CASE_PREFIX = re.compile(r"[A-Z]{2,8}")
MAX_AREA_NAME = 120
MAX_AGENCY_NAME = 160
MAX_WARD_NAME = 120


def add_area(
    session: Session, *, code: str, name: str, homes: int | None, wards: Sequence[str]
) -> Area:
    """Add a community safety partnership area with its wards, or ``InputError`` naming
    the option (``--code``, ``--name``, ``--homes``, ``--ward``) and nothing added."""
    code = _checked_code(session, Area, code, "area", "northshire")
    name = checked_text(
        "--name", name, limit=MAX_AREA_NAME, what="the area's name", required="Give the area's name"
    )
    if homes is not None and homes < 1:
        raise InputError("--homes", "The number of homes in the area must be 1 or more")
    ward_names = [
        checked_text(
            "--ward",
            ward,
            limit=MAX_WARD_NAME,
            what="a ward's name",
            required="A ward's name is empty",
        )
        for ward in wards
    ]
    if repeated := sorted({w for w in ward_names if ward_names.count(w) > 1}):
        raise InputError("--ward", f"The ward {repeated[0]} is given twice")
    area = Area(code=code, name=name, homes=homes, wards=[Ward(name=w) for w in ward_names])
    session.add(area)
    session.flush()
    acts.record(
        session,
        acts.Action.AREA_CREATE,
        subject=acts.Subject("area", area.id),
        basis=f"area {code}, {len(ward_names)} ward(s)",
    )
    return area


def add_agency(
    session: Session,
    *,
    code: str,
    name: str,
    agency_type: AgencyType,
    area_code: str,
    case_prefix: str,
) -> Agency:
    """Add an agency to an area, or ``InputError`` naming the option (``--code``,
    ``--name``, ``--area``, ``--case-prefix``) and nothing added."""
    code = _checked_code(session, Agency, code, "agency", "northgate-homes")
    name = checked_text(
        "--name",
        name,
        limit=MAX_AGENCY_NAME,
        what="the agency's name",
        required="Give the agency's name",
    )
    if session.scalar(select(func.count()).select_from(Agency).where(Agency.name == name)):
        raise InputError("--name", f"An agency is already called {name}")
    area = session.scalar(select(Area).where(Area.code == area_code))
    if area is None:
        raise InputError("--area", _no_area(session, area_code))
    if not CASE_PREFIX.fullmatch(case_prefix):
        raise InputError(
            "--case-prefix",
            "The case prefix must be 2 to 8 capital letters A to Z, like NGH "
            "(its cases are then NGH-2026-00001, ...)",
        )
    taken = session.scalar(select(Agency.code).where(Agency.case_prefix == case_prefix))
    if taken is not None:
        raise InputError(
            "--case-prefix", f"The agency {taken} already has the case prefix {case_prefix}"
        )
    agency = Agency(code=code, name=name, type=agency_type, area=area, case_prefix=case_prefix)
    session.add(agency)
    session.flush()
    acts.record(
        session,
        acts.Action.AGENCY_CREATE,
        agency_id=agency.id,
        subject=acts.Subject("agency", agency.id),
        basis=f"agency {code}, {agency_type.value}, area {area.code}",
    )
    return agency


def areas(session: Session) -> list[Area]:
    """Every area by code, with its wards and agencies."""
    return list(session.scalars(select(Area).order_by(Area.code)))


def _checked_code(
    session: Session, model: type[Area] | type[Agency], code: str, what: str, example: str
) -> str:
    if not CODE.fullmatch(code) or len(code) > MAX_CODE:
        raise InputError(
            "--code",
            f"The {what}'s code must be {MAX_CODE} characters or fewer: small letters a to z, "
            f"digits and single hyphens between them, like {example}",
        )
    if session.scalar(select(func.count()).select_from(model).where(model.code == code)):
        raise InputError("--code", f"An {what} already has the code {code}")
    return code


def _no_area(session: Session, code: str) -> str:
    known = session.scalars(select(Area.code).order_by(Area.code)).all()
    if not known:
        return "No area has been added yet: add it first with `hub areas add`"
    return f"No area has the code given (the areas: {', '.join(known)})"
