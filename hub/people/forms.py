"""The People pages' forms: an account's roles and team, someone added, and a password
reset link. Each names every problem at its field at once; the core checks them again."""

from __future__ import annotations

from wtforms import BooleanField, StringField, ValidationError
from wtforms.validators import InputRequired

from hub.choice_fields import ChoicesField
from hub.forms import HubForm, TextLimit
from sharing import accounts, adding_people, duties
from sharing.formats import is_email_address
from sharing.vocabulary import Role


def kept_apart(field: ChoicesField) -> None:
    """Roles one account may not hold together, named with the form's other problems (the
    core refuses them again)."""
    offered = {role.value for role in Role}
    if clash := duties.kept_apart(Role(v) for v in field.data or [] if v in offered):
        raise ValidationError(clash)


class RolesForm(HubForm):
    roles = ChoicesField("Roles", choices=Role.choices(), message="Select roles from those offered")
    team = StringField("Team (optional)", validators=[TextLimit(accounts.MAX_NAME, "the team")])

    def validate_roles(self, field: ChoicesField) -> None:
        kept_apart(field)


class AddForm(HubForm):
    """Each field empty is named at once; the core checks them all again."""

    display_name = StringField(
        "Name",
        validators=[
            InputRequired("Enter their name"),
            TextLimit(accounts.MAX_NAME, "the name"),
        ],
    )
    email = StringField(
        "Work e-mail address",
        validators=[
            InputRequired("Enter their work e-mail address"),
            TextLimit(adding_people.MAX_EMAIL, "the e-mail address"),
        ],
    )
    roles = ChoicesField("Roles", choices=Role.choices(), message="Select roles from those offered")
    team = StringField("Team (optional)", validators=[TextLimit(accounts.MAX_NAME, "the team")])
    #: Asked only when the address is at another agency's domain.
    other_domain = BooleanField("Yes, this is their address: add them to my agency")

    def validate_email(self, field: StringField) -> None:
        email = accounts.normalise_email(field.data or "")
        if email and not is_email_address(email):
            raise ValidationError(adding_people.NOT_AN_ADDRESS)

    def validate_roles(self, field: ChoicesField) -> None:
        if not field.data:
            raise ValidationError("Select at least one role")
        kept_apart(field)


class PasswordLinkForm(HubForm):
    reset_authenticator = BooleanField("Also reset their authenticator app")
