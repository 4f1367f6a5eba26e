"""Redis via redis-py. Each key is a hash {value, version}; CAS is WATCH/MULTI/EXEC.

The version is a counter bumped inside the transaction, so two writers that read the
same version cannot both commit: the second EXEC aborts with WatchError.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import redis

from state_proxy.store import ConflictError, Versioned


class RedisStore:
    def __init__(self, client: redis.Redis, prefix: str = "") -> None:
        self.client = client
        self.prefix = prefix

    def get(self, key: str) -> Versioned | None:
        value, version = self.client.hmget(self.prefix + key, ["value", "version"])
        if version is None:
            return None
        return Versioned(value or b"", str(_text(version)))

    def put(self, key: str, value: bytes) -> str:
        def write(pipe: Any) -> None:
            pipe.multi()
            pipe.hset(self.prefix + key, "value", value)
            pipe.hincrby(self.prefix + key, "version", 1)

        results: Any = self.client.transaction(write, self.prefix + key)
        return str(results[-1])

    def put_if(self, key: str, value: bytes, expected: str | None) -> str:
        name = self.prefix + key
        with self.client.pipeline() as pipe:
            try:
                pipe.watch(name)  # type: ignore[no-untyped-call]
                have = pipe.hget(name, "version")
                if _text(have) != expected:
                    raise ConflictError(key, expected)
                pipe.multi()
                pipe.hset(name, "value", value)
                pipe.hincrby(name, "version", 1)
                results = pipe.execute()
            except redis.WatchError as error:
                raise ConflictError(key, expected) from error
        return str(results[-1])

    def remove(self, key: str) -> None:
        self.client.delete(self.prefix + key)

    def keys(self, prefix: str) -> Iterator[str]:
        for name in self.client.scan_iter(match=_glob_escape(self.prefix + prefix) + "*"):
            yield name.decode()[len(self.prefix) :]


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def _text(raw: bytes | str | None) -> str | None:
    return raw.decode() if isinstance(raw, bytes) else raw
