"""Checks of a key store against data keys as stored, that open nothing with them."""

from __future__ import annotations

from sharing.crypto.data_keys import wrap_context
from sharing.crypto.keys import KeyProvider, KeyringError


def opens_wrapped_key(keys: KeyProvider, version: int, key_id: int, wrapped: bytes) -> bool:
    """Whether the key store ``keys`` opens a data key as stored (its id, the KEK version
    wrapping it, the wrapped bytes): the key is dropped at once and nothing is read with
    it (a restore's check that a key store copy fits a backup)."""
    try:
        keys.unwrap(version, wrapped, wrap_context(key_id, version))
    except KeyringError:
        return False
    return True
