"""The behaviour every backend owes in every mode, checked at the unit and component levels.

A test class subclasses `ConnectorContract` and provides the fixtures `mode` and
`open_connector` (a callable making a new connector, i.e. a new writer, on one
container).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from state_proxy.connector import Mode, StateConnector
from state_proxy.store import ConflictError

OpenConnector = Callable[[], StateConnector]


def committed(connector: StateConnector, key: str, value: bytes) -> None:
    connector.write(key, value)
    connector.flush()


class ConnectorContract:
    def test_write_is_read_back_by_another_connector(self, open_connector: OpenConnector) -> None:
        committed(open_connector(), "orders/1", b'{"total": 3}')
        assert open_connector().read("orders/1") == b'{"total": 3}'

    def test_missing_key_reads_none(self, open_connector: OpenConnector) -> None:
        assert open_connector().read("nothing/here") is None
        assert open_connector().read_versioned("nothing/here") is None

    def test_list_filters_by_prefix_and_sorts(self, open_connector: OpenConnector) -> None:
        writer = open_connector()
        for key in ("orders/2", "orders/1", "users/1"):
            committed(writer, key, b"x")
        assert open_connector().list("orders/") == ["orders/1", "orders/2"]
        assert open_connector().list() == ["orders/1", "orders/2", "users/1"]

    def test_delete_removes_the_key(self, open_connector: OpenConnector) -> None:
        writer = open_connector()
        committed(writer, "a", b"1")
        writer.delete("a")
        writer.flush()
        assert open_connector().read("a") is None
        assert open_connector().list() == []

    def test_compare_and_swap_creates_only_when_absent(self, open_connector: OpenConnector) -> None:
        first, second = open_connector(), open_connector()
        version = first.compare_and_swap("lock", b"first", None)
        with pytest.raises(ConflictError):
            second.compare_and_swap("lock", b"second", None)
        current = open_connector().read_versioned("lock")
        assert current is not None
        assert (current.value, current.version) == (b"first", version)

    def test_compare_and_swap_rejects_a_stale_version(self, open_connector: OpenConnector) -> None:
        connector = open_connector()
        v1 = connector.compare_and_swap("k", b"1", None)
        v2 = connector.compare_and_swap("k", b"2", v1)
        assert v2 != v1
        with pytest.raises(ConflictError) as caught:
            open_connector().compare_and_swap("k", b"stale", v1)
        assert caught.value.expected == v1
        assert open_connector().read("k") == b"2"

    def test_concurrent_writers_follow_the_mode(
        self, open_connector: OpenConnector, mode: Mode
    ) -> None:
        a, b = open_connector(), open_connector()
        committed(a, "shared", b"base")
        assert a.read("shared") == b.read("shared") == b"base"
        a.write("shared", b"from-a")
        a.flush()
        if mode is Mode.CAS:
            # b read "base"; a changed it since, so b's write must not overwrite silently.
            with pytest.raises(ConflictError):
                b.write("shared", b"from-b")
            assert open_connector().read("shared") == b"from-a"
        else:
            b.write("shared", b"from-b")
            b.flush()
            assert open_connector().read("shared") == b"from-b"  # last writer wins

    def test_buffering_follows_the_mode(self, open_connector: OpenConnector, mode: Mode) -> None:
        writer, reader = open_connector(), open_connector()
        writer.write("buffered", b"v")
        assert writer.read("buffered") == b"v"  # a writer always sees its own write
        assert writer.list() == ["buffered"]
        if mode is Mode.LWW:
            assert reader.read("buffered") is None  # not sent before flush
            assert writer.flush() == 1
        else:
            assert writer.flush() == 0  # nothing was buffered
        assert reader.read("buffered") == b"v"

    def test_delete_of_a_changed_key_follows_the_mode(
        self, open_connector: OpenConnector, mode: Mode
    ) -> None:
        a, b = open_connector(), open_connector()
        committed(a, "doc", b"1")
        assert b.read("doc") == b"1"
        committed(a, "doc", b"2")
        if mode is Mode.CAS:
            with pytest.raises(ConflictError):
                b.delete("doc")  # b would delete a value it never saw
            assert open_connector().read("doc") == b"2"
        else:
            b.delete("doc")
            b.flush()
            assert open_connector().read("doc") is None
