"""The pipeline and envelope parsing, on an in-memory transport and fakeredis."""

from __future__ import annotations

import json

import fakeredis
import pytest

from state_proxy.backends.redis import RedisStore
from state_proxy.connector import Mode, StateConnector
from state_proxy.envelope import Envelope, PoisonError, parse
from state_proxy.pipeline import Pipeline

from fakes import MemoryTransport


def envelope(key: str, value: object, **extra: object) -> bytes:
    return json.dumps({"key": key, "value": value, **extra}).encode()


@pytest.fixture
def state() -> StateConnector:
    return StateConnector(RedisStore(fakeredis.FakeRedis()), Mode.LWW)


def test_envelopes_are_stored_and_acked_after_flush(state: StateConnector) -> None:
    transport = MemoryTransport([envelope("a", 1), envelope("b", {"x": [1]})])
    outcome = Pipeline(transport, state).poll()
    assert outcome.stored == ["a", "b"] and outcome.dead_lettered == []
    assert StateConnector(state.store, Mode.LWW).read("b") == b'{"x": [1]}'
    assert len(transport.acked) == 2 and transport.in_flight == {}


def test_poison_goes_to_the_dead_letter_place_with_a_reason(state: StateConnector) -> None:
    transport = MemoryTransport([b"\xff not json", envelope("", 1), envelope("ok", 2)])
    outcome = Pipeline(transport, state).poll()
    assert outcome.stored == ["ok"]
    reasons = [letter.reason for letter in transport.dead]
    assert len(reasons) == 2 and all(r.startswith("PoisonError") for r in reasons)
    assert transport.dead[0].body == b"\xff not json"


def test_a_lost_compare_and_swap_is_dead_lettered(state: StateConnector) -> None:
    v1 = state.compare_and_swap("k", b"1", None)
    state.compare_and_swap("k", b"2", v1)
    transport = MemoryTransport([envelope("k", 3, if_version=v1)])
    outcome = Pipeline(transport, state).poll()
    assert outcome.stored == [] and outcome.dead_lettered[0].startswith("ConflictError")
    assert state.read("k") == b"2"


def test_a_backend_outage_leaves_the_batch_unacknowledged() -> None:
    class Down(RedisStore):
        def put(self, key: str, value: bytes) -> str:
            raise ConnectionError("down")

    transport = MemoryTransport([envelope("a", 1)])
    with pytest.raises(ConnectionError):
        Pipeline(transport, StateConnector(Down(fakeredis.FakeRedis()), Mode.LWW)).poll()
    assert transport.acked == [] and len(transport.in_flight) == 1  # redelivered later


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"[1]", "not a JSON object"),
        (b'{"value": 1}', "'key'"),
        (b'{"key": "/abs", "value": 1}', "'key'"),
        (b'{"key": "k"}', "'value' is missing"),
        (b'{"key": "k", "value": 1, "if_version": 7}', "'if_version'"),
    ],
)
def test_invalid_envelopes_are_poison(body: bytes, problem: str) -> None:
    with pytest.raises(PoisonError, match=problem):
        parse(body)


def test_envelopes_round_trip() -> None:
    plain = Envelope("k", b'{"a": 1}')
    conditional = Envelope("k", b"null", conditional=True, if_version=None)
    assert parse(plain.to_json()) == plain
    assert parse(conditional.to_json()) == conditional
