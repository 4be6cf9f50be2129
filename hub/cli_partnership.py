"""``hub areas`` and ``hub agencies``: the partnership's area, its wards and its agencies,
added by the operator who sets the hub up, before its first accounts; later, a ward added
to an area, an agency renamed."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from hub.cli_session import _session, refuse_run
from sharing import partnership
from sharing.audit import acts
from sharing.errors import InputError
from sharing.vocabulary import AgencyType

#: The agency types by the value the command takes.
_TYPES = {t.value: t for t in AgencyType}


@click.group(cls=AppGroup)
def areas() -> None:
    """The partnership's area and its wards."""


@areas.command("add")
@click.option("--code", required=True, help="Short stable code, e.g. northshire.")
@click.option("--name", required=True, help="The area's name, e.g. Northshire.")
@click.option("--homes", type=click.IntRange(min=1), default=None, help="Homes in the area.")
@click.option("--ward", "wards", multiple=True, help="A ward's name; repeat for each ward.")
def areas_add(code: str, name: str, homes: int | None, wards: tuple[str, ...]) -> None:
    """Add the partnership's area with its wards (nothing is added if any is refused)."""
    with _session() as session:
        try:
            area = partnership.add_area(session, code=code, name=name, homes=homes, wards=wards)
        except InputError as e:
            refuse_run(
                session, acts.Action.AREA_CREATE, f"refused input: {e.field}", message=_at(e)
            )
        session.commit()
        click.echo(f"Added the area {area.code} ({area.name}) with {len(area.wards)} ward(s).")


@areas.command("add-ward")
@click.option("--area", "area_code", required=True, help="The code of the area.")
@click.option("--ward", "name", required=True, help="The new ward's name.")
def areas_add_ward(area_code: str, name: str) -> None:
    """Add a ward to an area (refused if the area already has a ward of that name)."""
    with _session() as session:
        try:
            ward = partnership.add_ward(session, area_code=area_code, name=name)
        except InputError as e:
            refuse_run(
                session, acts.Action.AREA_WARD_ADD, f"refused input: {e.field}", message=_at(e)
            )
        session.commit()
        area = ward.area
        click.echo(
            f"Added the ward {ward.name} to the area {area.code} ({area.name}): "
            f"{len(area.wards)} ward(s)."
        )


@click.group(cls=AppGroup)
def agencies() -> None:
    """The partnership's agencies."""


@agencies.command("add")
@click.option("--code", required=True, help="Short stable code, e.g. northgate-homes.")
@click.option("--name", required=True, help="The agency's name, e.g. Northgate Homes.")
@click.option("--type", "agency_type", required=True, type=click.Choice(list(_TYPES)))
@click.option("--area", "area_code", required=True, help="The code of its area.")
@click.option("--case-prefix", required=True, help="Its case references' letters, e.g. NGH.")
def agencies_add(code: str, name: str, agency_type: str, area_code: str, case_prefix: str) -> None:
    """Add an agency to the partnership's area; then create its first administrator with
    ``hub users create``."""
    with _session() as session:
        try:
            agency = partnership.add_agency(
                session,
                code=code,
                name=name,
                agency_type=_TYPES[agency_type],
                area_code=area_code,
                case_prefix=case_prefix,
            )
        except InputError as e:
            refuse_run(
                session, acts.Action.AGENCY_CREATE, f"refused input: {e.field}", message=_at(e)
            )
        session.commit()
        click.echo(
            f"Added the agency {agency.code} ({agency.name}, {agency.type.label}) to "
            f"{agency.area.code}; its cases are {agency.case_prefix}-YYYY-NNNNN."
        )


@agencies.command("rename")
@click.option("--code", required=True, help="The agency's code, e.g. northgate-homes.")
@click.option("--name", required=True, help="Its new name, e.g. Northgate Housing.")
def agencies_rename(code: str, name: str) -> None:
    """Give an agency a new name (refused if another agency has it); its code, and so its
    protocols and accounts, stay as they are."""
    with _session() as session:
        try:
            agency, was = partnership.rename_agency(session, code=code, name=name)
        except InputError as e:
            refuse_run(
                session, acts.Action.AGENCY_RENAME, f"refused input: {e.field}", message=_at(e)
            )
        session.commit()
        click.echo(f"Renamed the agency {agency.code}: {agency.name} (was {was}).")


@agencies.command("list")
def agencies_list() -> None:
    """List each area with its wards and agencies (code, type, case prefix, name)."""
    with _session() as session:
        found = partnership.areas(session)
        if not found:
            click.echo("No area yet: add one with `hub areas add`.")
        for area in found:
            wards = ", ".join(w.name for w in area.wards) or "none"
            click.echo(f"{area.code}: {area.name} (wards: {wards})")
            for agency in area.agencies:
                click.echo(
                    f"  {agency.code}  {agency.type.value}  {agency.case_prefix}  {agency.name}"
                )


def _at(error: InputError) -> str:
    """The refusal as the command says it: the option, then what was wrong."""
    return f"{error.field}: {error.message}"
