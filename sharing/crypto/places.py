"""A place in a list an API reader reads on from (``next``'s ``after``), sealed when the
place itself is personal data: a person's risk band and score in the shared risk list.
An address is kept by proxies and logs, which must never hold personal data, so the place
goes out sealed under a key made from the hub's secret key, and means nothing outside it.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_PURPOSE = b"hub api list place"


def _key(secret: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def seal_place(place: str, secret: str) -> str:
    """``place`` sealed (authenticated encryption), as URL-safe text."""
    return _key(secret).encrypt(place.encode()).decode()


def open_place(sealed: str, secret: str) -> str | None:
    """The place ``sealed`` holds; None for anything the hub did not seal, or altered."""
    try:
        return _key(secret).decrypt(sealed.encode()).decode()
    except (InvalidToken, UnicodeError, ValueError):
        return None
