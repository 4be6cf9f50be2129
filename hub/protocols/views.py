"""Protocols: read them, import a new version (DPOs), see its impact, sign, suspend."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import DataRequired, InputRequired

from hub.choice_fields import EnumSelectField
from hub.database import db
from hub.forms import HubForm, TextLimit
from hub.guard import require_roles
from hub.templating import uk_date
from sharing import clock, directory
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.models import ProtocolRecord
from sharing.protocols import TYPE_PREFIX, ProtocolDocument, ProtocolInvalid
from sharing.protocols import lifecycle as protocol_lifecycle
from sharing.protocols import records as protocol_records
from sharing.vocabulary import AgencyType, ProtocolStatus, SuspensionReason

bp = Blueprint("protocols", __name__, url_prefix="/protocols")
require_roles(
    bp,
    *(
        "case_officer",
        "manager",
        "partner_viewer",
        "conference_chair",
        "trigger_lead",
        "analyst",
        "dpo",
        "administrator",
    ),
)


class ImportForm(HubForm):
    text = TextAreaField(
        "Protocol file (TOML)",
        validators=[
            DataRequired("Paste the protocol file"),
            TextLimit(200_000, "the protocol file"),
        ],
    )


@bp.route("")
def index() -> str:
    protocol_lifecycle.sweep(db(), clock.today())
    return render_template(
        "protocols/index.html",
        title="Information sharing protocols",
        records=protocol_records.every_version(db()),
        standing=protocol_records.standing(db()),
    )


@bp.route("/<int:protocol_id>")
def show(protocol_id: int) -> str:
    record = protocol_records.get(db(), protocol_id) or abort(404)
    signers = protocol_records.party_agencies(db(), record)
    agencies = directory.agencies_by_id(db(), signers)
    signed = {s.agency_id: s for s in record.signatures}
    standing = protocol_records.standing(db()).get(record.id)
    document = protocol_records.document(record)
    return render_template(
        "protocols/show.html",
        title=record.title,
        record=record,
        document=document,
        receivers=_receivers(document),
        purposes={p.id: p.title for p in document.purposes},
        signers=[(agencies[a], role, signed.get(a)) for a, role in signers.items()],
        standing=standing,
        today=clock.today(),
        impact=protocol_records.impact(db(), record)
        if record.status.value in ("draft", "awaiting_signatures")
        or (standing is not None and standing.starts_on is not None)
        else None,
        may_suspend=protocol_lifecycle.may_suspend(db(), current_user.actor, record),
        may_sign=current_user.agency_id in signers
        and current_user.has_role(signers[current_user.agency_id])
        and current_user.agency_id not in signed,
    )


def _receivers(document: ProtocolDocument) -> dict[str, str]:
    """Each clause's recipient as the parties know it: an agency by its name, and an agency
    type by the agencies of the partnership it covers (never a code from the file)."""
    agencies = directory.agencies(db(), current_user.agency.area_id)
    named: dict[str, str] = {}
    for selector in {r for clause in document.clauses for r in clause.recipients}:
        kind = selector.removeprefix(TYPE_PREFIX)
        if kind == selector:
            named[selector] = next((a.name for a in agencies if a.code == selector), selector)
            continue
        label = AgencyType(kind).label.lower()
        covered = [a.name for a in agencies if a.type.value == kind]
        named[selector] = f"Every {label} agency: {', '.join(covered) or 'none yet'}"
    return named


@bp.route("/<int:protocol_id>/sign", methods=["POST"])
def sign(protocol_id: int) -> Response | tuple[str, int]:
    return _act(protocol_id, protocol_lifecycle.sign, "Signed for {agency}.")


class SuspendForm(HubForm):
    reason = EnumSelectField(
        "Why are you suspending the protocol?",
        SuspensionReason,
        validators=[InputRequired("Select why you are suspending the protocol")],
        message="Select why you are suspending the protocol",
    )
    note = TextAreaField(
        "Anything the other parties' data protection officers should know (optional)",
        validators=[TextLimit(protocol_lifecycle.MAX_SUSPENSION_NOTE, "the note")],
    )


@bp.route("/<int:protocol_id>/suspend", methods=["GET", "POST"])
def suspend(protocol_id: int) -> Response | tuple[str, int]:
    """Asks first: says what stops and takes the reason; only the answer suspends. Sent
    again once suspended (a double click, Back), it changes nothing and says so."""
    record = protocol_records.get(db(), protocol_id) or abort(404)
    if (done := _already_suspended(record)) is not None:
        return done
    allowed = record.status.value == "active" and protocol_lifecycle.may_suspend(
        db(), current_user.actor, record
    )
    form = SuspendForm()
    if request.method == "POST" and (not allowed or form.validate_on_submit()):
        try:  # the core refuses (and audits) what is not allowed, whatever the answers
            protocol_lifecycle.suspend(
                db(),
                current_user.actor,
                protocol_id,
                form.reason.data or SuspensionReason.OTHER,
                form.note.data or "",
            )
        except (NotAllowed, InputError) as e:
            if isinstance(e, InputError) and e.field == "note":
                form.refuse(e)
            elif (done := _already_suspended(record)) is not None:  # by a send at once
                return done
            else:
                return _cannot(e)
        else:
            flash("Protocol suspended: access under it has stopped.", "success")
            return redirect(url_for("protocols.show", protocol_id=protocol_id))
    elif not allowed:
        abort(403)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "protocols/suspend.html",
        title=f"Suspend {record.title}",
        form=form,
        record=record,
        effect=protocol_lifecycle.what_suspending_stops(db(), record, clock.today()),
    ), status


def _already_suspended(record: ProtocolRecord) -> Response | None:
    """To the protocol's page, saying when and by whom it was suspended, for a DPO who
    may suspend it and finds it suspended already; None otherwise."""
    if record.status is not ProtocolStatus.SUSPENDED or not protocol_lifecycle.may_suspend(
        db(), current_user.actor, record
    ):
        return None
    known = [
        f"since {clock.moment_text(record.suspended_at)}" if record.suspended_at else "",
        f"by {record.suspended_by.display_name}" if record.suspended_by else "",
    ]
    said = ", ".join(part for part in known if part)
    flash(
        f"This protocol is already suspended{f' ({said})' if said else ''}: nothing changed.",
        "info",
    )
    return redirect(url_for("protocols.show", protocol_id=record.id))


def _cannot(e: NotAllowed | InputError) -> tuple[str, int]:
    message = e.message if isinstance(e, InputError) else f"You cannot do this: {e}"
    return render_template(
        "errors/error.html", title="That could not be done", paragraphs=[message]
    ), 403


def _act(protocol_id: int, act, done: str) -> Response | tuple[str, int]:  # type: ignore[no-untyped-def]
    try:
        record = act(db(), current_user.actor, protocol_id)
    except NotFound:
        abort(404)
    except (NotAllowed, InputError) as e:
        return _cannot(e)
    flash(done.format(agency=current_user.agency.name) + _signed_by_all(record, act), "success")
    return redirect(url_for("protocols.show", protocol_id=protocol_id))


def _signed_by_all(record, act) -> str:  # type: ignore[no-untyped-def]
    """What the last signature did: the protocol is in force now, or from its start date."""
    if record.status.value != "active" or act is not protocol_lifecycle.sign:
        return ""
    standing = protocol_records.standing(db()).get(record.id)
    if standing is not None and standing.starts_on is not None:
        before = (
            f"; version {standing.predecessor.version} stays in force until then"
            if standing.predecessor
            else ""
        )
        return (
            " Every party has signed: the protocol comes into force on "
            f"{uk_date(standing.starts_on)}{before}."
        )
    return " Every party has signed: the protocol is now active."


@bp.route("/import", methods=["GET", "POST"])
def import_protocol() -> Response | tuple[str, int]:
    if not current_user.has_role("dpo"):
        abort(403)
    form = ImportForm()
    problems = []
    if form.validate_on_submit():
        try:
            record = protocol_lifecycle.import_protocol(
                db(), current_user.actor, form.text.data or "", source="pasted file"
            )
        except ProtocolInvalid as e:
            problems = [str(p) for p in e.problems]
            form.text.errors = [
                f"The file has {len(problems)} problem{'s' if len(problems) != 1 else ''}: nothing was imported"
            ]
        except InputError as e:
            form.text.errors = [e.message]
        else:
            flash("Imported as a draft. Each party's signatory now signs it here.", "success")
            return redirect(url_for("protocols.show", protocol_id=record.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "protocols/import.html", title="Import a protocol", form=form, problems=problems
    ), status
