"""The state connector: read, write, compare_and_swap, delete, list, in one of three modes.

- passthrough: every write goes straight to the backend, unconditionally.
- lww: writes and deletes are buffered in memory and sent on `flush()`; the last
  writer to flush wins. Reads see the connector's own pending writes first.
- cas: a write is conditional on the version this connector last saw for the key
  (or on absence if it never saw it), so a concurrent change raises ConflictError
  instead of being overwritten silently.

`compare_and_swap` is explicit optimistic concurrency and is conditional in every mode.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from state_proxy.store import ConflictError, Store, Versioned


class Mode(str, enum.Enum):
    LWW = "lww"
    CAS = "cas"
    PASSTHROUGH = "passthrough"


_DELETED = None  # a pending delete in the lww buffer


@dataclass
class StateConnector:
    store: Store
    mode: Mode
    _pending: dict[str, bytes | None] = field(default_factory=dict, repr=False)
    _seen: dict[str, str | None] = field(default_factory=dict, repr=False)

    def read(self, key: str) -> bytes | None:
        if key in self._pending:
            return self._pending[key]
        current = self.read_versioned(key)
        return None if current is None else current.value

    def read_versioned(self, key: str) -> Versioned | None:
        """The stored value and its version; remembers the version for cas-mode writes."""
        current = self.store.get(key)
        self._seen[key] = None if current is None else current.version
        return current

    def write(self, key: str, value: bytes) -> None:
        if self.mode is Mode.LWW:
            self._pending[key] = value
        elif self.mode is Mode.CAS:
            self._seen[key] = self.store.put_if(key, value, self._expected(key))
        else:
            self.store.put(key, value)

    def compare_and_swap(self, key: str, value: bytes, expected: str | None) -> str:
        """Write `value` only if the stored version is `expected` (None: absent); return the new."""
        self._pending.pop(key, None)  # an explicit CAS supersedes a buffered write
        version: str = self.store.put_if(key, value, expected)
        self._seen[key] = version
        return version

    def delete(self, key: str) -> None:
        if self.mode is Mode.LWW:
            self._pending[key] = _DELETED
            return
        if self.mode is Mode.CAS:
            # Deletes are not conditional on every backend (GCS and S3 are, Redis via
            # WATCH); checking first narrows the window and reports lost updates.
            current = self.store.get(key)
            have = None if current is None else current.version
            if have != self._expected(key):
                raise ConflictError(key, self._expected(key))
        self.store.remove(key)
        self._seen.pop(key, None)

    def list(self, prefix: str = "") -> list[str]:
        stored = set(self.store.keys(prefix))
        for key, value in self._pending.items():
            if key.startswith(prefix):
                (stored.add if value is not _DELETED else stored.discard)(key)
        return sorted(stored)

    def flush(self) -> int:
        """Send buffered lww writes, last value per key; return how many keys were sent.

        A key leaves the buffer only once the backend took it, so a failed flush can be retried.
        """
        sent = 0
        for key in list(self._pending):
            value = self._pending[key]
            if value is _DELETED:
                self.store.remove(key)
            else:
                self.store.put(key, value)
            del self._pending[key]
            sent += 1
        return sent

    def _expected(self, key: str) -> str | None:
        if key not in self._seen:
            self.read_versioned(key)
        return self._seen[key]
