"""The sign-in pages say whom to ask when someone is stuck: a forgotten password or a
locked account goes to a manager or administrator of their agency (either can send a
reset link or unlock it), and a lost authenticator app to an administrator (only they
reset it), where the sign-in page named only an administrator, whom the demo's landlords
do not have, and the security code page said nothing of a lost phone."""

from __future__ import annotations

import html

from flask import Flask

from tests.fixtures.app import PASSWORD, csrf_token


def _text(client, path: str) -> str:  # type: ignore[no-untyped-def]
    return " ".join(html.unescape(client.get(path).get_data(as_text=True)).split())


def test_the_sign_in_page_sends_a_forgotten_password_to_a_manager_or_administrator(
    app: Flask,
) -> None:
    page = _text(app.test_client(), "/sign-in")
    assert (
        "If you have forgotten your password or your account is locked, ask a manager or "
        "administrator of your agency: they can send you a link to set a new password, or "
        "unlock your account."
    ) in page


def test_the_security_code_page_says_whom_to_ask_about_a_lost_authenticator(
    app: Flask, create_user
) -> None:
    manager = create_user("manager")
    client = app.test_client()
    client.post(
        "/sign-in",
        data={
            "email": manager.email,
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/sign-in"),
        },
    )
    page = _text(client, "/sign-in/code")
    assert (
        "If you have lost your phone or cannot use your authenticator app, ask an "
        "administrator of your agency to reset it: they send you a link to set a new "
        "password, and you then set up the app again."
    ) in page
