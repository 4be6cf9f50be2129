"""Setting a partnership up: its area with the area's wards, and its agencies, which an
operator adds from the command line before anyone signs in (``hub areas add``,
``hub agencies add``), and later a ward added to an area or an agency renamed
(``hub areas add-ward``, ``hub agencies rename``). Each is checked whole before anything
is changed, and recorded (by code and id, never a person's name)."""

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
    ward_names = [_checked_ward(ward) for ward in wards]
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


def add_ward(session: Session, *, area_code: str, name: str) -> Ward:
    """Add a ward to an area, or ``InputError`` naming the option (``--area``, ``--ward``:
    empty, too long, or a name the area's wards already have) and nothing added."""
    area = session.scalar(select(Area).where(Area.code == area_code))
    if area is None:
        raise InputError("--area", _no_area(session, area_code))
    name = _checked_ward(name)
    if any(w.name == name for w in area.wards):
        raise InputError("--ward", f"The area {area.code} already has the ward {name}")
    ward = Ward(name=name)
    area.wards.append(ward)
    session.flush()
    acts.record(
        session,
        acts.Action.AREA_WARD_ADD,
        subject=acts.Subject("area", area.id),
        basis=f"area {area.code}, ward {ward.id}",
    )
    return ward


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
    name = _checked_agency_name(session, name)
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


def rename_agency(session: Session, *, code: str, name: str) -> tuple[Agency, str]:
    """Give an agency a new name, and the name it had; or ``InputError`` naming the option
    (``--code`` for no such agency, ``--name`` for a name empty, too long, its own already
    or another agency's) and nothing changed."""
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise InputError("--code", _no_agency(session))
    name = _checked_agency_name(session, name, renaming=agency)
    was, agency.name = agency.name, name
    session.flush()
    acts.record(
        session,
        acts.Action.AGENCY_RENAME,
        agency_id=agency.id,
        subject=acts.Subject("agency", agency.id),
        basis=f"agency {code} renamed",
    )
    return agency, was


def areas(session: Session) -> list[Area]:
    """Every area by code, with its wards and agencies."""
    return list(session.scalars(select(Area).order_by(Area.code)))


def _checked_ward(name: str) -> str:
    return checked_text(
        "--ward", name, limit=MAX_WARD_NAME, what="a ward's name", required="A ward's name is empty"
    )


def _checked_agency_name(session: Session, name: str, *, renaming: Agency | None = None) -> str:
    """The agency's name as given, or ``InputError`` at ``--name``: empty, too long, or
    another agency's (the agency ``renaming``'s own, for a new name)."""
    name = checked_text(
        "--name",
        name,
        limit=MAX_AGENCY_NAME,
        what="the agency's name",
        required="Give the agency's name",
    )
    if renaming is not None and renaming.name == name:
        raise InputError("--name", f"The agency {renaming.code} is already called {name}")
    if session.scalar(select(func.count()).select_from(Agency).where(Agency.name == name)):
        raise InputError("--name", f"An agency is already called {name}")
    return name


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


def _no_agency(session: Session) -> str:
    known = session.scalars(select(Agency.code).order_by(Agency.code)).all()
    if not known:
        return "No agency has been added yet: add one with `hub agencies add`"
    return f"No agency has the code given (the agencies: {', '.join(known)})"
