"""What a storage backend must offer: versioned objects and conditional puts.

A `Store` is the thin, backend-specific layer (S3, GCS, Redis). The modes in
`connector.py` (lww, cas, passthrough) are built once on top of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Versioned:
    """A stored value and the backend's version token (S3 ETag, GCS generation, Redis counter)."""

    value: bytes
    version: str


class ConflictError(Exception):
    """A conditional write lost: the object changed (or appeared, or vanished) since it was read."""

    def __init__(self, key: str, expected: str | None) -> None:
        wanted = "absent" if expected is None else f"version {expected}"
        super().__init__(f"{key!r} is no longer {wanted}")
        self.key = key
        self.expected = expected


class Store(Protocol):
    def get(self, key: str) -> Versioned | None: ...

    def put(self, key: str, value: bytes) -> str:
        """Write unconditionally; return the new version."""
        ...

    def put_if(self, key: str, value: bytes, expected: str | None) -> str:
        """Write only if the version is `expected` (None: only if absent), else ConflictError."""
        ...

    def remove(self, key: str) -> None:
        """Delete; a missing key is not an error."""
        ...

    def keys(self, prefix: str) -> Iterator[str]: ...
