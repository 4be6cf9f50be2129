"""Forms that make a record are accepted once. Each is shown with a random one-time token;
the first send with it claims the token in its own transaction and, once it has made its
record, keeps the page of what it made. The same form sent again (a double click on
"Save", Back and send again, a second click on a slow connection) makes nothing more and
is sent to that page, even when the two sends race: the second waits at the claim for the
first to end, then finds its page (or, if the first was refused and rolled back, claims the
token itself).

Only the token, the user's id and a path of identifiers are kept, for a day.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import FormSend

#: How long a form's token is remembered.
WINDOW = timedelta(hours=24)
#: The longest page kept (longer pages are never made: paths of identifiers).
MAX_PAGE = 300
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    """A token for a form shown for the first time."""
    return secrets.token_urlsafe(24)


def well_formed(token: str) -> bool:
    """Whether ``token`` could be one ``new_token`` made (anything else is not kept)."""
    return _TOKEN.fullmatch(token) is not None


def claim(session: Session, user_id: int, token: str) -> str | FormSend:
    """The page of what the user's earlier send of this form made; else the token,
    claimed for this send in its transaction (``made`` keeps its page, ``release`` gives it
    up when the send made nothing). A send of the same form under way meanwhile is waited
    for. The user's tokens older than a day go."""
    now = clock.now()
    session.execute(
        delete(FormSend).where(FormSend.user_id == user_id, FormSend.created_at <= now - WINDOW)
    )
    earlier = _page(session, user_id, token)
    if earlier is not None:
        return earlier
    claimed = FormSend(user_id=user_id, token=token, made="", created_at=now)
    savepoint = session.begin_nested()
    try:
        session.add(claimed)
        session.flush()  # waits here while a send of the same form is under way
    except IntegrityError:  # that send has ended, and kept its page
        savepoint.rollback()
        page = _page(session, user_id, token)
        if page is None:
            raise
        return page
    savepoint.commit()
    return claimed


def made(session: Session, claimed: FormSend, page: str) -> None:
    """Keep the page of what the send that claimed the token made (committed with it)."""
    if not page.startswith("/") or page.startswith("//") or len(page) > MAX_PAGE:
        release(session, claimed)
        return
    claimed.made = page
    session.flush()


def release(session: Session, claimed: FormSend) -> None:
    """Give up the token of a send that made nothing (a form shown again, a step of a
    form of several pages), so that the form may still be sent."""
    session.delete(claimed)
    session.flush()


def _page(session: Session, user_id: int, token: str) -> str | None:
    return session.scalar(
        select(FormSend.made).where(
            FormSend.user_id == user_id, FormSend.token == token, FormSend.made != ""
        )
    )
