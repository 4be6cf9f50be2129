"""``hub import cases``, ``hub erase case`` and ``hub documents check``: an agency's cases
brought in from its own system, a case erased, and the files kept with cases checked."""

from __future__ import annotations

import sys
from typing import IO

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from hub.cli_session import _actor, _session, refuse_run
from hub.settings import review_days
from hub.templating import uk_date
from sharing.access.authorise import authorise
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases import document_store, erasure
from sharing.cases.erasure import erase_case
from sharing.errors import NotAllowed, NotFound
from sharing.imports.case_rows import FileRejected
from sharing.imports.cases import import_cases
from sharing.models import Agency, Case


@click.group("import", cls=AppGroup)
def import_() -> None:
    """Bring records from an agency's own system into the hub."""


@import_.command("cases")
@click.argument("file", type=click.File("rb"))
@click.option("--agency", "agency_code", required=True, help="The agency's code in the hub.")
@click.option(
    "--by", "manager_email", required=True, help="E-mail of the agency's manager importing."
)
@click.option("--dry-run", is_flag=True, help="Check every row and report; save nothing.")
def import_cases_command(
    file: IO[bytes], agency_code: str, manager_email: str, dry_run: bool
) -> None:
    """Open a case with its first incident for each row of a CSV file (columns in
    README.md, "Importing cases"). Rows the hub refuses are listed by line and column and
    left out; references imported before are left alone. Exits 1 if any row is refused.
    A run naming no user or another agency, or a file refused whole, is refused and
    recorded (never the file's name)."""
    with _session() as session:
        actor = _actor(session, manager_email, acts.Action.CASES_IMPORT)
        agency = session.get(Agency, actor.agency_id)
        if agency is None or agency.code != agency_code:
            refuse_run(
                session,
                acts.Action.CASES_IMPORT,
                "refused input: --agency (not the agency of the account given)",
                actor=actor,
                subject=acts.Subject("agency", actor.agency_id),
                message=f"{manager_email} is not in the agency {agency_code}",
            )
        try:
            result = import_cases(
                session,
                actor,
                file,
                dry_run=dry_run,
                review_days=review_days(current_app.config["HUB_SETTINGS"]),
                first_contact_days=current_app.config["HUB_SETTINGS"].first_contact_working_days,
            )
        except NotAllowed as e:
            raise click.ClickException(str(e)) from None
        except FileRejected as e:
            raise click.ClickException(f"nothing imported: {e}") from None
    report = result.report
    for problem in report.problems:
        click.echo(str(problem))
    if report.problems_not_kept:
        click.echo(f"... and {report.problems_not_kept:,} more problems")
    for linked in result.not_saved:
        click.echo(str(linked))
    if result.not_saved_not_kept:
        click.echo(f"... and {result.not_saved_not_kept:,} more people with details not saved")
    verb = "would be opened (dry run: nothing saved)" if dry_run else "opened"
    click.echo(
        f"{report.rows:,} rows: {result.opened:,} cases {verb}, {result.rejected:,} rows "
        f"refused, {result.already_imported:,} imported before and left alone, "
        f"{result.people_matched:,} people already held by the agency"
    )
    if result.rejected:
        sys.exit(1)


@click.group(cls=AppGroup)
def erase() -> None:
    """Erase records by destroying their keys (cannot be undone)."""


@erase.command("case")
@click.argument("reference")
@click.option(
    "--by",
    "manager_email",
    required=True,
    help="E-mail of the owning agency's manager deciding the erasure.",
)
@click.option("--with-people", is_flag=True, help="Also erase the people who are on no other case.")
@click.option("--yes", is_flag=True, help="Do not ask to confirm (for a script).")
def erase_case_command(reference: str, manager_email: str, with_people: bool, yes: bool) -> None:
    """Erase a case (for example at the end of its retention period). A case already
    erased is left as it is, saying when it was erased; with --with-people, the people it
    kept whom no live case holds are erased. Asks to confirm, unless --yes; a run not
    confirmed, or naming no case or no user, is refused and recorded."""
    with _session() as session:
        actor = _actor(session, manager_email, acts.Action.CASE_ERASE)
        case_id = session.scalar(select(Case.id).where(Case.reference == reference))
        if case_id is None:  # recorded as a refusal of no case: the reference is not kept
            refuse_run(
                session,
                acts.Action.CASE_ERASE,
                acts.NO_SUCH_CASE,
                actor=actor,
                message=f"no case {reference} in the manager's agency",
            )
        if not yes and not click.confirm("Erasing cannot be undone. Continue?", default=False):
            refuse_run(
                session,
                acts.Action.CASE_ERASE,
                "not confirmed",
                actor=actor,
                subject=acts.Subject("case", case_id),
                message="Aborted: nothing was erased",
            )
        try:
            authorised = authorise(session, actor, case_id, Act.ERASE)
            erased_at = authorised.case.erased_at
            if erased_at is not None and not with_people:
                click.echo(
                    f"Case {reference} was already erased on {uk_date(erased_at)}: "
                    "nothing was done."
                )
                return
            before = len(erasure.people_left(session, case_id))
            case = erase_case(session, authorised, with_people=with_people)
            kept = len(erasure.people_left(session, case_id))
        except NotFound:
            acts.roll_back_keeping_refusals(session)  # the refusal is kept, as on the page
            raise click.ClickException(f"no case {reference} in the manager's agency") from None
        except NotAllowed as e:
            acts.roll_back_keeping_refusals(session)
            raise click.ClickException(str(e)) from None
        session.commit()
        said = (
            f"Case {reference} was already erased on {uk_date(erased_at)}."
            if erased_at is not None
            else f"Case {case.reference} erased."
        )
        if with_people:
            said += " " + _people_erased(
                before - kept, kept, erasure.ever_held_anyone(session, case_id)
            )
        click.echo(said)


def _people_erased(erased: int, kept: int, held_anyone: bool) -> str:
    """What ``--with-people`` did: the people erased, and why anyone was not."""
    kept_for = "kept for the other cases they are on"
    if erased:
        said = f"{_people(erased)} it alone held erased."
        return said[:-1] + f"; {_people(kept)} {kept_for}." if kept else said
    if kept:
        who = "the 1 person it held is" if kept == 1 else f"all {kept} people it held are"
        return f"No one was erased with it: {who} {kept_for}."
    if held_anyone:
        return "No one was erased with it: everyone it held was erased already."
    return "No one was erased with it: it has no people recorded."


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


@click.group(cls=AppGroup)
def documents() -> None:
    """Files attached to cases, and the store that keeps them."""


@documents.command("check")
@click.option(
    "--delete-orphans",
    is_flag=True,
    help=(
        "Delete the store's files that no document names (left by an attach that failed), "
        "written more than an hour ago."
    ),
)
def documents_check(delete_orphans: bool) -> None:
    """Check every document's file and preview in the store against the hash the database
    holds; name each one missing or altered (case reference, document id); count the
    store's files that no document names (with --delete-orphans, delete those written
    more than an hour ago: a newer one may be an attach still being saved, and each is
    read against the database again just before). Exit 1 if any is missing or altered."""
    store = current_app.extensions["hub.file_store"]
    with _session() as session:
        report = document_store.check_store(session, store)
    for what, found in (("missing", report.missing), ("altered", report.altered)):
        for reference, document_id, part in found:
            click.echo(f"{what}: the {part} of document {document_id} of case {reference}")
    click.echo(
        f"{report.checked} document(s) checked in the {store.describe()}: "
        f"{len(report.missing)} missing, {len(report.altered)} altered, "
        f"{len(report.orphans)} file(s) no document names"
    )
    if delete_orphans:
        deleted, recent = document_store.delete_orphans(_session, store, report.orphans)
        click.echo(f"{deleted} file(s) no document names deleted")
        if recent:
            click.echo(
                f"{recent} written in the last hour kept: an attach may still be saving them "
                "(run the check again later)"
            )
    if report.missing or report.altered:
        raise click.ClickException("the file store does not match the database")
