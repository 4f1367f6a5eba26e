"""End to end: the packaged proxy (`python -m state_proxy serve`) runs as its own process,
and a client talks to it only through the transport and the backend.

matrix.yaml declares this level `requires: [docker, kind]` like the project it mirrors,
whose e2e runs the proxy in a kind cluster against compose-started emulators; cells
whose requirements are unmet are reported skipped with that reason.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
from matrixgen.probe import probe_until

from state_proxy.config import connect
from state_proxy.connector import StateConnector
from state_proxy.transports import Transport, open_transport

from conftest import require_env, setting

pytestmark = pytest.mark.services

ENDPOINTS = {"sqs": "AWS_ENDPOINT_URL", "rabbitmq": "AMQP_URL", "pubsub": "PUBSUB_EMULATOR_HOST"}
ENDPOINTS |= {"s3": "AWS_ENDPOINT_URL", "gcs": "STORAGE_EMULATOR_HOST", "redis": "REDIS_URL"}


@pytest.fixture
def cell() -> tuple[str, str, str]:
    env = require_env("MATRIXGEN_TRANSPORT", "MATRIXGEN_BACKEND")
    return env["MATRIXGEN_TRANSPORT"], env["MATRIXGEN_BACKEND"], setting("mode") or "lww"


@pytest.fixture
def state(cell: tuple[str, str, str], namespace: str) -> StateConnector:
    backend, mode = cell[1], cell[2]
    return connect(backend, mode, namespace, require_env(ENDPOINTS[backend]), create=True)


@pytest.fixture
def proxy(
    cell: tuple[str, str, str], namespace: str, state: StateConnector
) -> Iterator[subprocess.Popen[bytes]]:
    transport, backend, mode = cell
    argv = ["--transport", transport, "--queue", namespace, "--backend", backend]
    argv += ["--mode", mode, "--bucket", namespace]
    process = subprocess.Popen([sys.executable, "-m", "state_proxy", "serve", *argv])
    yield process
    process.terminate()
    assert process.wait(timeout=30) == 0  # a clean stop after the batch in hand


@pytest.fixture
def client(cell: tuple[str, str, str], namespace: str) -> Iterator[Transport]:
    opened = open_transport(cell[0], namespace, require_env(ENDPOINTS[cell[0]]))
    opened.declare()
    yield opened
    opened.close()


def test_the_running_proxy_persists_and_dead_letters(
    proxy: subprocess.Popen[bytes], client: Transport, state: StateConnector
) -> None:
    client.publish(json.dumps({"key": "e2e/1", "value": {"ok": True}}).encode())
    client.publish(b"poison")

    def persisted() -> None:
        assert proxy.poll() is None, "the proxy exited"
        assert state.read("e2e/1") == b'{"ok": true}'

    probe_until(persisted, interval=0.2, timeout=60)
    letters = probe_until(lambda: _nonempty(client.dead_letters(10)), interval=0.2, timeout=60)
    assert [letter.body for letter in letters] == [b"poison"]


def _nonempty(items: list[object]) -> list[object]:
    assert items, "nothing yet"
    return items
