"""The privacy notice (UK GDPR articles 13 and 14) and the accessibility statement (the
Public Sector Bodies Accessibility Regulations 2018), for anyone: the public giving their
details on the application form or the closure survey, and staff. The words that are the
partnership's own (its controller, data protection officer, how long data is kept, whom to
contact, the enforcement procedure) come from its statements file (setting ``statements``);
the Community Trigger's timescales and appeal body from its procedure file."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from hub.guard import for_every_role
from sharing.trigger.letter_words import in_sentence

bp = Blueprint("statements", __name__)
for_every_role(bp)  # and public: see hub.guard.PUBLIC_ENDPOINTS


@bp.route("/privacy")
def privacy() -> str:
    return render_template(
        "statements/privacy.html",
        title="Privacy notice",
        statements=current_app.extensions["hub.statements"],
        appeal_body=in_sentence(current_app.extensions["hub.trigger_procedure"].appeal.body),
    )


@bp.route("/accessibility")
def accessibility() -> str:
    return render_template(
        "statements/accessibility.html",
        title="Accessibility statement",
        statements=current_app.extensions["hub.statements"],
    )
