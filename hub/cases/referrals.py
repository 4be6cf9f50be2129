"""Referrals from a case: to the hate incident support service, to a safeguarding team,
and what became of them."""

from __future__ import annotations

from flask import abort, request
from werkzeug.wrappers import Response

from hub.cases.forms import ReferralForm, ReferralOutcomeForm, SafeguardingForm
from hub.cases.views import _record, bp, case_to_work_on
from hub.database import db
from hub.guard import authorised_case, forbid
from hub.sent_once import accepted_once
from sharing.access.decide import Act
from sharing.cases import case_forms, referrals, safeguarding_referrals
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import whole_number
from sharing.models import Referral
from sharing.vocabulary import ReferralKind


@bp.route("/<int:case_id>/referrals/new", methods=["GET", "POST"])
@accepted_once
def refer(case_id: int) -> Response | tuple[str, int]:
    """Record a referral to the hate incident support service (procedure 3.5)."""
    authorised, case = case_to_work_on(case_id, Act.RECORD, "referral form")
    form = ReferralForm()
    form.person.choices = [
        (str(i), label) for i, label in referrals.people_to_refer(db(), authorised)
    ]
    return _record(
        case,
        form,
        lambda: referrals.refer(
            db(),
            authorised,
            ReferralKind.HATE_SERVICE,
            whole_number(form.person.data),
            form.reason.data or "",
        ),
        template="cases/referral.html",
        title=f"Refer to the hate incident support service: case {case.reference}",
        done="Referral recorded. Record its outcome when the service tells you.",
        anchor="hate-pathway",
    )


@bp.route("/<int:case_id>/safeguarding/new", methods=["GET", "POST"])
@accepted_once
def refer_to_safeguarding(case_id: int) -> Response | tuple[str, int]:
    """Refer someone on the case to the adult or children's safeguarding team: the case is
    shared with the team under the safeguarding referral protocol."""
    authorised, case = case_to_work_on(case_id, Act.SHARE, "safeguarding referral form")
    teams = safeguarding_referrals.safeguarding_teams(db(), authorised.case)
    form = SafeguardingForm()
    form.kind.choices = [(t.kind.value, t.kind.label) for t in teams]
    form.person.choices = [
        (str(i), label) for i, label in referrals.people_to_refer(db(), authorised)
    ]
    hints = {
        t.kind.value: t.refusal
        or f"Shares the case with {t.agency.name} for "
        f"{safeguarding_referrals.REFERRAL_SHARE_DAYS} days under {t.protocol.title}"
        for t in teams
        if t.refusal or (t.agency and t.protocol)
    }

    def record() -> object:
        try:
            return safeguarding_referrals.refer_to_safeguarding(
                db(),
                authorised,
                next((k for k in ReferralKind if k.value == form.kind.data), None),
                whole_number(form.person.data),
                form.reason.data or "",
            )
        except NotAllowed as e:
            raise InputError("kind", f"The case cannot be shared: {e}") from None

    return _record(
        case,
        form,
        record,
        template="cases/safeguarding.html",
        title=f"Safeguarding referral: case {case.reference}",
        done="Referral made. The safeguarding team can now open the case, and records the "
        "outcome on the referral.",
        anchor="safeguarding",
        hints=hints,
    )


@bp.route("/<int:case_id>/referrals/<int:referral_id>", methods=["GET", "POST"])
def referral_outcome(case_id: int, referral_id: int) -> Response | tuple[str, int]:
    """Record what became of a referral: the case's own agency, or (opening the case for
    the referral) the safeguarding team it went to."""
    purpose = request.args.get("purpose") or None
    if purpose is None:
        authorised, case = case_to_work_on(case_id, Act.RECORD, "referral outcome form")
    else:
        authorised = authorised_case(case_id, Act.VIEW, purpose)
        case = case_forms.case_heading(db(), authorised, "referral outcome form")
    referral = db().get(Referral, referral_id)
    if referral is None or referral.case_id != case_id:
        abort(404)
    try:
        referrals.may_record_outcome(db(), authorised, referral)
    except NotAllowed as refused:
        forbid(refused)
    form = ReferralOutcomeForm()
    form.outcome.choices = [(o.value, o.label) for o in referrals.OUTCOMES[referral.kind]]

    def record() -> object:
        try:
            return referrals.record_outcome(
                db(),
                authorised,
                referral_id,
                next(
                    (o for o in referrals.OUTCOMES[referral.kind] if o.value == form.outcome.data),
                    None,
                ),
                form.note.data or "",
            )
        except NotFound:
            abort(404)
        except NotAllowed as refused:
            forbid(refused)

    return _record(
        case,
        form,
        record,
        template="cases/referral_outcome.html",
        title=f"Outcome of the referral: case {case.reference}",
        done="Outcome recorded.",
        anchor="safeguarding" if referral.kind.safeguarding else "hate-pathway",
        purpose=purpose,
    )
