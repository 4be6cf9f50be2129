"""Authenticator (TOTP) secrets, sealed at rest.

A second factor is worth having only while a copy of the database does not hand it over,
so every authenticator secret the hub keeps is sealed: the one a user has set up
(``users.totp_sealed``) and one being set up (on a sign-in half done, ``sign_in_steps``,
or with the session it is set up in under "Your account", ``sign_in_sessions``). A sealed
secret is::

    0x01 | nonce (12 bytes, fresh each time) | AES-256-GCM ciphertext and tag

under a key derived with HKDF-SHA256 from the key store's root key (as the blind indexes'
field keys and the figures' rounding key are), with associated data naming where it is
kept and the user it belongs to: a sealed secret copied to another account's row, or to
another place, does not open (``IntegrityFailure``, logged by place, never by content).

Why the root key and not a key-encryption key version: rotation (``hub keys rotate``,
``hub keys finalise-erasures``) exists to retire KEK versions so that erasures become
final; an authenticator secret is never erased that way (a reset removes it), and one
sealed under a version a rotation then retired would lock its owner out. The root key is
never rotated, so every secret stays readable across every rotation and in any restored
backup, with no rewrapping step to forget; like the KEKs it lives only in the key store,
apart from the database and its backups.
"""

from __future__ import annotations

import functools
import logging
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session

from sharing.crypto.data_keys import provider_of
from sharing.crypto.sealed_format import FORMAT_AES_GCM, IntegrityFailure, SealedValueError

log = logging.getLogger(__name__)

#: Where a secret is kept (part of its associated data).
ENROLLED = "users.totp_sealed"
SET_UP_AT_SIGN_IN = "sign_in_steps.totp_set_up"
SET_UP_IN_SESSION = "sign_in_sessions.totp_set_up"

_NONCE = 12
_SHORTEST = 1 + _NONCE + 16  # format byte, nonce, GCM tag


def seal_secret(session: Session, place: str, user_id: int, secret: str) -> bytes:
    """``secret`` sealed for the user ``user_id``, to be kept at ``place``."""
    nonce = os.urandom(_NONCE)
    sealed = _cipher(session).encrypt(nonce, secret.encode(), _context(place, user_id))
    return bytes([FORMAT_AES_GCM]) + nonce + sealed


def open_secret(session: Session, place: str, user_id: int, sealed: bytes) -> str:
    """The secret ``seal_secret`` sealed for ``user_id`` at ``place``. Raises
    ``IntegrityFailure`` when it was altered, or sealed for another user or place."""
    where = f"the authenticator secret in {place} of user {user_id}"
    if len(sealed) < _SHORTEST or sealed[0] != FORMAT_AES_GCM:
        raise SealedValueError(f"unreadable sealed value: {where} has an unknown format")
    try:
        plain = _cipher(session).decrypt(
            sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :], _context(place, user_id)
        )
    except InvalidTag:
        message = f"integrity check failed for {where}: altered, or moved from another account"
        log.error(message)
        raise IntegrityFailure(message) from None
    return plain.decode()


def _context(place: str, user_id: int) -> bytes:
    return f"hub-authenticator-v1|{place}|{user_id}".encode()


def _cipher(session: Session) -> AESGCM:
    return _derive(provider_of(session).index_root_key())


@functools.lru_cache(maxsize=8)
def _derive(root_key: bytes) -> AESGCM:
    """HKDF once per root key (which never changes), not once per secret."""
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"hub-authenticator-secrets-v1"
    ).derive(root_key)
    return AESGCM(key)
