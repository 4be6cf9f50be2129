"""Where sealed files are kept: a folder on the local disk (the default) or a bucket of an
S3-compatible object store. A store keeps opaque bytes under random keys; it never sees a
plain file or a name (``sharing.cases.documents`` seals before it stores).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import event
from sqlalchemy.orm import Session

#: A store key: 32 random bytes, in hex.
_KEY = re.compile(r"[0-9a-f]{64}")
#: A session's files to delete once its transaction commits: (store, key) pairs.
_TO_DELETE = "sharing.files_to_delete"

_log = logging.getLogger(__name__)


class StoreError(Exception):
    """The store could not keep or give back a file; the message says which and why,
    never what the file holds."""


class MissingFile(StoreError):
    """The store has nothing under the key."""


class FileStore(Protocol):
    """Opaque bytes under random keys."""

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def keys(self) -> Iterator[str]: ...

    def written(self) -> Iterator[tuple[str, datetime]]:
        """Each key with when its file was last written, by the store's clock."""
        ...

    def describe(self) -> str: ...


def new_key() -> str:
    """A fresh store key, meaning nothing."""
    return secrets.token_hex(32)


def _checked(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise StoreError("a store key is 64 hexadecimal digits")
    return key


@dataclass(frozen=True)
class LocalStore:
    """Files in a folder: ``<root>/<first two digits of the key>/<key>``, each written
    to a temporary name, flushed to disk and renamed, so a file is whole or absent."""

    root: Path

    def _path(self, key: str) -> Path:
        key = _checked(key)
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            partial = path.with_name(f".{key}.{secrets.token_hex(4)}")
            with open(partial, "xb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, path)
        except OSError as e:
            raise StoreError(
                f"the file store {self.root} could not keep a file: {e.strerror}"
            ) from None

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise MissingFile(f"the file store {self.root} has no file {key}") from None
        except OSError as e:
            raise StoreError(
                f"the file store {self.root} could not read file {key}: {e.strerror}"
            ) from None

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as e:
            raise StoreError(
                f"the file store {self.root} could not delete file {key}: {e.strerror}"
            ) from None

    def keys(self) -> Iterator[str]:
        return (key for key, _ in self.written())

    def written(self) -> Iterator[tuple[str, datetime]]:
        if self.root.is_dir():
            for path in sorted(self.root.glob("??/*")):
                if _KEY.fullmatch(path.name):
                    try:
                        modified = path.stat().st_mtime
                    except FileNotFoundError:  # deleted since it was listed
                        continue
                    yield path.name, datetime.fromtimestamp(modified, UTC)

    def describe(self) -> str:
        return f"folder {self.root}"


class S3Store:
    """Files as objects of one bucket of an S3-compatible store (AWS S3, MinIO, Ceph…),
    under an optional prefix. Credentials come from boto3's usual places (the
    environment's ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY``, a profile, or the
    machine's role), never from the hub's settings file."""

    def __init__(
        self, bucket: str, prefix: str = "", endpoint_url: str = "", region: str = ""
    ) -> None:
        self.bucket, self.prefix = bucket, prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url or None
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=region or None,
            config=Config(
                connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"}
            ),
        )

    def _failed(self, what: str, key: str | None, error: Exception) -> StoreError:
        code = (
            error.response.get("Error", {}).get("Code", "")
            if isinstance(error, ClientError)
            else ""
        )
        about = f" {key}" if key else ""
        if code in ("NoSuchKey", "404"):
            return MissingFile(f"the file store {self.describe()} has no file{about}")
        reason = code or type(error).__name__
        return StoreError(
            f"the file store {self.describe()} could not {what} file{about}: {reason}"
        )

    def put(self, key: str, data: bytes) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + _checked(key), Body=data)
        except (BotoCoreError, ClientError) as e:
            raise self._failed("keep", key, e) from None

    def get(self, key: str) -> bytes:
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.prefix + _checked(key))
            return found["Body"].read()  # type: ignore[no-any-return]
        except (BotoCoreError, ClientError) as e:
            raise self._failed("read", key, e) from None

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + _checked(key))
        except (BotoCoreError, ClientError) as e:
            raise self._failed("delete", key, e) from None

    def keys(self) -> Iterator[str]:
        return (key for key, _ in self.written())

    def written(self) -> Iterator[tuple[str, datetime]]:
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    name = item["Key"][len(self.prefix) :]
                    if _KEY.fullmatch(name):
                        yield name, item["LastModified"]
        except (BotoCoreError, ClientError) as e:
            raise self._failed("list", None, e) from None

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"bucket s3://{self.bucket}/{self.prefix}{where}"


def store_at(
    location: str, *, instance_path: Path, endpoint_url: str = "", region: str = ""
) -> FileStore:
    """The store a setting names: ``s3://bucket/prefix`` for an object store, a folder
    path for the local disk, empty for ``<instance_path>/documents``."""
    if location.startswith("s3://"):
        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        if not bucket:
            raise StoreError("an s3:// file store names its bucket: s3://bucket/prefix")
        return S3Store(bucket, prefix, endpoint_url, region)
    return LocalStore(Path(location) if location else instance_path / "documents")


def delete_after_commit(session: Session, store: FileStore, keys: Iterable[str | None]) -> None:
    """Delete files from the store once the session's transaction commits, never before: a
    database that fails leaves the rows with their files. A store that fails then leaves
    the files (orphans, logged by the failure's type), which ``hub documents check
    --delete-orphans`` deletes."""
    session.info.setdefault(_TO_DELETE, []).extend((store, k) for k in keys if k is not None)


@event.listens_for(Session, "after_commit")
def _delete_after_commit(session: Session) -> None:
    """Only the outermost transaction's commit is the act's (a savepoint's commit is not)."""
    if session.in_nested_transaction():
        return
    for store, key in session.info.pop(_TO_DELETE, []):
        try:
            store.delete(key)
        except StoreError as e:
            _log.warning("a removed file was left in the store: %s", type(e).__name__)


@event.listens_for(Session, "after_rollback")
def _keep_after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_TO_DELETE, None)
