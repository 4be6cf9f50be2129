"""The checks of the reviewed files the hub reads at start (closure survey, letters,
privacy notice and accessibility statement, housing stock, ward boundaries), and what
every command checking a file shares."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from hub.app import START_ERRORS, create_app
from hub.config import load_settings
from hub.database import new_session
from hub.settings import ConfigError
from sharing import statements as public_statements
from sharing.cases import letters_file
from sharing.cases import survey as closure_survey
from sharing.figures import stock as housing_stock
from sharing.figures import wards as ward_boundaries
from sharing.models import Agency, Ward
from sharing.protocols.problems import Problem
from sharing.vocabulary import AgencyType


def _configured(setting: str) -> tuple[Path, ...]:
    """The file a setting names, for a check command given no file."""
    try:
        return (getattr(load_settings(verify=False), setting),)
    except ConfigError as e:
        raise click.ClickException(str(e)) from None


def _report(files: Sequence[Path], check: Callable[[Path], list[Problem]]) -> None:
    """Print every problem ``check`` finds in ``files`` and fail if there are any."""
    problems = [p for path in files for p in check(path)]
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise click.ClickException(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {len(files)} file(s)"
        )
    click.echo(f"{len(files)} file(s) checked: no problems")


def _check_files(
    files: Sequence[Path],
    check: Callable[[Path, Any], list[Problem]],
    known: Callable[[], Any] | None = None,
    unchecked: str = "agency codes not checked: no database",
) -> None:
    """Print every problem ``check`` finds in ``files`` (against what ``known`` finds in the
    database, by default its agencies, when it can be reached) and fail if there are any."""
    found = (known or _known_agencies)()
    problems = [p for path in files for p in check(path, found)]
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise click.ClickException(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {len(files)} file(s)"
        )
    click.echo(f"{len(files)} file(s) checked: no problems" + ("" if found else f" ({unchecked})"))


def _known_agencies() -> dict[str, AgencyType] | None:
    try:
        app = create_app()
    except START_ERRORS:
        return None
    with app.app_context(), new_session() as session:
        try:
            return {a.code: a.type for a in session.scalars(select(Agency))} or None
        except SQLAlchemyError:
            return None


@click.group(cls=AppGroup)
def survey() -> None:
    """The complainant's satisfaction survey at a case's closure."""


@survey.command("check", with_appcontext=False)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def survey_check(files: tuple[Path, ...]) -> None:
    """Check closure survey files (default: the configured one); print every problem with
    file, line, field and what is allowed."""
    _report(files or _configured("closure_survey"), closure_survey.check_file)


@click.group(cls=AppGroup)
def letters() -> None:
    """The standard letters of an ASB case."""


@letters.command("check", with_appcontext=False)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def letters_check(files: tuple[Path, ...]) -> None:
    """Check letters files (default: the configured one); print every problem with file,
    line, field and what is allowed. Each agency given a contact line is checked to be
    one of the partnership's when the configured database can be reached."""
    _check_files(files or _configured("letters"), letters_file.check_file)


@click.group(cls=AppGroup)
def statements() -> None:
    """The privacy notice's and accessibility statement's words that are the partnership's."""


@statements.command("check", with_appcontext=False)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def statements_check(files: tuple[Path, ...]) -> None:
    """Check privacy notice and accessibility statement files (default: the configured
    one); print every problem with file, line, field and what is allowed."""
    _report(files or _configured("statements"), public_statements.check_file)


@click.group(cls=AppGroup)
def stock() -> None:
    """Each social landlord's homes, by tenure, as at a date."""


@stock.command("check", with_appcontext=False)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def stock_check(files: tuple[Path, ...]) -> None:
    """Check housing stock files (default: the configured one); print every problem with
    file, line, field and what is allowed. Each agency is checked to be a landlord of the
    partnership when the configured database can be reached."""
    files = files or _configured("housing_stock")
    _check_files(
        files,
        lambda path, known: housing_stock.check_file(
            path, {code: kind.value for code, kind in known.items()} if known else None
        ),
    )


@click.group(cls=AppGroup)
def wards() -> None:
    """The area's ward boundaries and households, for the figures' rates and map."""


@wards.command("check", with_appcontext=False)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def wards_check(files: tuple[Path, ...]) -> None:
    """Check ward boundaries files (default: the configured one); print every problem with
    file, field and what is allowed. Each ward is checked to be one of the partnership's,
    and each of the partnership's to be drawn, when the configured database can be
    reached."""
    files = files or _configured("ward_boundaries")
    _check_files(
        files, ward_boundaries.check_file, _known_wards, "ward names not checked: no database"
    )


def _known_wards() -> list[str] | None:
    try:
        app = create_app()
    except START_ERRORS:
        return None
    with app.app_context(), new_session() as session:
        try:
            return list(session.scalars(select(Ward.name))) or None
        except SQLAlchemyError:
            return None
