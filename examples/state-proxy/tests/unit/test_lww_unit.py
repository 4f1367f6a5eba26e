"""Mode details that need no backend: the lww buffer and its flush."""

from __future__ import annotations

import fakeredis
import pytest

from state_proxy.backends.redis import RedisStore
from state_proxy.config import connect
from state_proxy.connector import Mode, StateConnector
from state_proxy.store import Versioned


class FlakyStore(RedisStore):
    """Fails the first put of `broken`, as a backend outage would."""

    def __init__(self, broken: str) -> None:
        super().__init__(fakeredis.FakeRedis())
        self.broken = broken

    def put(self, key: str, value: bytes) -> str:
        if key == self.broken:
            self.broken = ""
            raise ConnectionError("backend down")
        return super().put(key, value)


def test_flush_sends_only_the_last_value_per_key() -> None:
    store = RedisStore(fakeredis.FakeRedis())
    connector = StateConnector(store, Mode.LWW)
    for value in (b"1", b"2", b"3"):
        connector.write("k", value)
    assert connector.flush() == 1
    assert store.get("k") == Versioned(b"3", "1")  # one put: version 1


def test_a_failed_flush_keeps_what_was_not_sent() -> None:
    store = FlakyStore(broken="b")
    connector = StateConnector(store, Mode.LWW)
    connector.write("a", b"1")
    connector.write("b", b"2")
    with pytest.raises(ConnectionError):
        connector.flush()
    assert store.get("a") is not None and store.get("b") is None
    assert connector.flush() == 1  # only b was left
    assert connector.read("b") == b"2" and store.get("b") is not None


def test_a_pending_delete_hides_the_key_until_flush() -> None:
    store = RedisStore(fakeredis.FakeRedis())
    store.put("k", b"v")
    connector = StateConnector(store, Mode.LWW)
    connector.delete("k")
    assert connector.read("k") is None and connector.list() == []
    assert store.get("k") is not None
    connector.flush()
    assert store.get("k") is None


def test_compare_and_swap_supersedes_a_buffered_write() -> None:
    store = RedisStore(fakeredis.FakeRedis())
    connector = StateConnector(store, Mode.LWW)
    connector.write("k", b"buffered")
    connector.compare_and_swap("k", b"swapped", None)
    assert connector.flush() == 0
    assert connector.read("k") == b"swapped"


@pytest.mark.parametrize(("backend", "mode"), [("redis", "lww"), ("gcs", "passthrough")])
def test_unsupported_pairs_are_refused(backend: str, mode: str) -> None:
    with pytest.raises(ValueError, match="does not offer"):
        connect(backend, mode, "state", {})
