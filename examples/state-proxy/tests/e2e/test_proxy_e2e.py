"""End to end: the proxy runs as a container, from its image built locally
(testing/e2e/image/build.sh), and a client talks to it only through the transport and
the backend, both real emulators.

The container is the `proxy` service of the cell's compose profile (matrix.yaml's
`compose.files` of the e2e level), brought up with the cell's queue and bucket; matrixgen
brings the profile's project down after the cell, however it ends.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from state_proxy.config import connect
from state_proxy.connector import StateConnector
from state_proxy.transports import Transport, open_transport

from conftest import probe_until, require_env, setting

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


@pytest.fixture(scope="session")
def image() -> None:
    """The proxy's image, built when its sources changed (fast when it is up to date)."""
    build = Path(__file__).parents[2] / "testing" / "e2e" / "image" / "build.sh"
    done = subprocess.run(["bash", str(build)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def proxy(
    image: None, cell: tuple[str, str, str], namespace: str, state: StateConnector
) -> Iterator[list[str]]:
    """`docker compose` of the cell's profile, with its proxy up; stopped (it must exit 0,
    having finished the batch in hand) and removed afterwards."""
    transport, backend, mode = cell
    compose = ["docker", "compose", "-f", require_env("E2E_PROFILE")["E2E_PROFILE"]]
    env = {**os.environ, "PROXY_TRANSPORT": transport, "PROXY_BACKEND": backend}
    env |= {"PROXY_MODE": mode, "PROXY_QUEUE": namespace, "PROXY_BUCKET": namespace}

    def run(*args: str) -> str:
        done = subprocess.run([*compose, *args], env=env, capture_output=True, text=True,
                              timeout=120)  # fmt: skip
        assert done.returncode == 0, f"docker compose {args[0]}: {done.stderr}"
        return done.stdout

    run("up", "--detach", "--no-deps", "proxy")
    try:
        yield compose
        run("stop", "proxy")
        stopped = json.loads(run("ps", "--all", "--format", "json", "proxy").splitlines()[0])
        assert (stopped["State"], stopped["ExitCode"]) == ("exited", 0), run("logs", "proxy")
    finally:
        run("rm", "--force", "--stop", "proxy")


@pytest.fixture
def client(cell: tuple[str, str, str], namespace: str) -> Iterator[Transport]:
    opened = open_transport(cell[0], namespace, require_env(ENDPOINTS[cell[0]]))
    opened.declare()
    yield opened
    opened.close()


def test_the_proxy_container_persists_and_dead_letters(
    proxy: list[str], client: Transport, state: StateConnector
) -> None:
    client.publish(json.dumps({"key": "e2e/1", "value": {"ok": True}}).encode())
    client.publish(b"poison")

    def persisted() -> None:
        assert state.read("e2e/1") == b'{"ok": true}'

    probe_until(persisted, interval=0.2, timeout=60)
    letters = probe_until(lambda: _nonempty(client.dead_letters(10)), interval=0.2, timeout=60)
    assert [letter.body for letter in letters] == [b"poison"]


def _nonempty(items: list[object]) -> list[object]:
    assert items, "nothing yet"
    return items
