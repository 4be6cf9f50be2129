from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from hub.forms import HubForm


class SignInForm(HubForm):
    email = StringField(
        "E-mail address",
        validators=[
            DataRequired("Enter your e-mail address"),
            Length(max=254, message="E-mail address must be 254 characters or fewer"),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[
            DataRequired("Enter your password"),
            Length(max=256, message="Password must be 256 characters or fewer"),
        ],
    )


class CodeForm(HubForm):
    code = StringField(
        "Security code",
        validators=[DataRequired("Enter the 6-digit security code from your authenticator app")],
    )
