"""Transport × backend end to end: envelopes published to the cell's transport emulator
are persisted to its backend emulator by the pipeline; poison and lost
compare-and-swaps reach the dead-letter place. Waits are probes, never sleeps."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from state_proxy.config import connect
from state_proxy.connector import StateConnector
from state_proxy.pipeline import Pipeline
from state_proxy.transports import DeadLetter, Transport, open_transport

from conftest import probe_until, require_env, setting

pytestmark = pytest.mark.services

ENDPOINTS = {
    "sqs": "AWS_ENDPOINT_URL",
    "rabbitmq": "AMQP_URL",
    "pubsub": "PUBSUB_EMULATOR_HOST",
    "s3": "AWS_ENDPOINT_URL",
    "gcs": "STORAGE_EMULATOR_HOST",
    "redis": "REDIS_URL",
}
WAIT = 30.0  # seconds: generous for a loaded 2-core machine; probes return as soon as done


@pytest.fixture
def cell() -> tuple[str, str, str]:
    transport, backend = setting("transport"), setting("backend")
    if transport is None or backend is None:
        require_env("MATRIXGEN_TRANSPORT", "MATRIXGEN_BACKEND")
    assert transport is not None and backend is not None
    return transport, backend, setting("mode") or "lww"


@pytest.fixture
def transport(cell: tuple[str, str, str], namespace: str) -> Iterator[Transport]:
    env = require_env(ENDPOINTS[cell[0]])
    opened = open_transport(cell[0], namespace, env)
    opened.declare()
    yield opened
    opened.close()


@pytest.fixture
def state(cell: tuple[str, str, str], namespace: str) -> StateConnector:
    _, backend, mode = cell
    return connect(backend, mode, namespace, require_env(ENDPOINTS[backend]), create=True)


@pytest.fixture
def pipeline(transport: Transport, state: StateConnector) -> Pipeline:
    return Pipeline(transport, state)


def envelope(key: str, value: object, **extra: object) -> bytes:
    return json.dumps({"key": key, "value": value, **extra}).encode()


def drain_until(pipeline: Pipeline, check: object) -> None:
    """Poll the pipeline until `check()` stops failing."""

    def attempt() -> None:
        pipeline.poll()
        check()  # type: ignore[operator]

    probe_until(attempt, interval=0.2, timeout=WAIT)


def collect_dead_letters(pipeline: Pipeline, count: int) -> list[DeadLetter]:
    letters: list[DeadLetter] = []

    def attempt() -> list[DeadLetter]:
        pipeline.poll()
        letters.extend(pipeline.transport.dead_letters(10))
        assert len(letters) >= count, f"{len(letters)} of {count} dead letters so far"
        return letters

    return probe_until(attempt, interval=0.2, timeout=WAIT)


def test_published_envelopes_are_persisted(
    pipeline: Pipeline, transport: Transport, state: StateConnector
) -> None:
    orders = {f"orders/{n}": {"n": n, "items": ["a"] * n} for n in range(1, 6)}
    for key, value in orders.items():
        transport.publish(envelope(key, value))

    def all_stored() -> None:
        assert state.list("orders/") == sorted(orders)

    drain_until(pipeline, all_stored)
    for key, value in orders.items():
        assert json.loads(state.read(key) or b"null") == value
    assert transport.receive(10) == []  # every message was acknowledged


def test_poison_messages_reach_the_dead_letter_place(
    pipeline: Pipeline, transport: Transport, state: StateConnector
) -> None:
    transport.publish(b"{not json")
    transport.publish(envelope("good", "kept"))
    transport.publish(json.dumps({"value": "no key"}).encode())

    letters = collect_dead_letters(pipeline, 2)
    assert sorted(letter.body for letter in letters) == sorted(
        [b"{not json", json.dumps({"value": "no key"}).encode()]
    )
    assert all(letter.reason.startswith("PoisonError") for letter in letters)
    drain_until(pipeline, lambda: _equal(state.read("good"), b'"kept"'))


def test_a_compare_and_swap_conflict_is_dead_lettered_and_the_winner_kept(
    pipeline: Pipeline, transport: Transport, state: StateConnector
) -> None:
    v1 = state.compare_and_swap("account/7", b'{"balance": 10}', None)
    v2 = state.compare_and_swap("account/7", b'{"balance": 20}', v1)
    transport.publish(envelope("account/7", {"balance": 99}, if_version=v1))  # stale

    [letter] = collect_dead_letters(pipeline, 1)
    assert letter.reason.startswith("ConflictError")
    assert json.loads(letter.body)["if_version"] == v1
    assert state.read("account/7") == b'{"balance": 20}'

    transport.publish(envelope("account/7", {"balance": 30}, if_version=v2))  # current
    drain_until(pipeline, lambda: _equal(state.read("account/7"), b'{"balance": 30}'))


def _equal(have: object, want: object) -> None:
    assert have == want, f"{have!r} != {want!r}"
