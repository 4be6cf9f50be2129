"""The public Community Trigger application's pages, one question a page (``STEPS``):
each page's title for someone applying for themselves, for someone else or for a
business or group, which pages the answers so far ask, and which comes next."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hub.apply.forms import ApplyForm, a_person, for_someone_else


@dataclass(frozen=True)
class Step:
    """One page of the form: one question (a name is one question in two boxes)."""

    name: str
    #: The page's title for someone applying for someone else ("Their name") ...
    title: str
    fields: tuple[str, ...]
    #: Whether the page is asked, given the answers so far.
    asked: Callable[[ApplyForm], bool] = lambda form: True
    #: What to say when the page's choice is left unanswered (a page of choices).
    unanswered: str = ""
    #: ... and for someone applying for themselves ("Your name"), if it differs.
    own_title: str = ""
    #: The title when a business or community group suffered it, if it differs.
    organisation_title: str = ""

    def title_for(self, form: ApplyForm) -> str:
        if self.organisation_title and form.victim_kind.data and not a_person(form):
            return self.organisation_title
        return self.title if for_someone_else(form) else self.own_title or self.title


STEPS = (
    Step(
        "who",
        "Are you applying for yourself?",
        ("on_behalf",),
        unanswered="Select whether you are applying for yourself or for someone else",
    ),
    Step(
        "you",
        "About you",
        ("applicant_name", "applicant_contact", "applicant_address", "consent_recorded"),
        for_someone_else,
    ),
    Step(
        "kind",
        "Who has suffered the anti-social behaviour?",
        ("victim_kind",),
        unanswered="Select who has suffered the anti-social behaviour",
    ),
    Step(
        "name",
        "Their name",
        ("victim_given_names", "victim_family_name"),
        own_title="Your name",
        organisation_title="What is the name of the business or group?",
    ),
    Step(
        "born",
        "Their date of birth",
        ("victim_date_of_birth",),
        a_person,
        own_title="Your date of birth",
    ),
    # How to contact them comes before where it happens: an applicant for themselves
    # without an e-mail address is then asked for the address the letters are posted to.
    Step(
        "contact",
        "How can we contact them?",
        ("victim_phone", "victim_email"),
        own_title="How can we contact you?",
    ),
    Step("where", "Where is it happening?", ("victim_address", "victim_postcode")),
    Step("problem", "What is happening?", ("problem",)),
    Step(
        "reported",
        "Who has it been reported to?",
        ("reported_to", "reported_other", "reported_when"),
        own_title="Who have you reported it to?",
    ),
)
BY_NAME = {step.name: step for step in STEPS}


def steps_asked(form: ApplyForm) -> list[Step]:
    return [step for step in STEPS if step.asked(form)]


def step_after(form: ApplyForm, step: Step) -> Step | None:
    """The page after ``step``, None when the next is "check your answers"."""
    asked = steps_asked(form)
    later = [s for s in asked if STEPS.index(s) > STEPS.index(step)]
    return later[0] if later else None
