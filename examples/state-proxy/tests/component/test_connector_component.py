"""The connector contract against the cell's real emulator (moto server, fake-gcs-server,
redis-server), at the endpoint `matrixgen run` passes in the service env."""

from __future__ import annotations

import pytest

from state_proxy.config import connect, open_store
from state_proxy.connector import StateConnector
from state_proxy.store import ConflictError

from conftest import require_env
from contract import ConnectorContract, OpenConnector

pytestmark = pytest.mark.services

ENDPOINT = {"s3": "AWS_ENDPOINT_URL", "gcs": "STORAGE_EMULATOR_HOST", "redis": "REDIS_URL"}


@pytest.fixture
def open_connector(combination: tuple[str, str], namespace: str) -> OpenConnector:
    backend, mode = combination
    env = require_env(ENDPOINT[backend])
    open_store(backend, namespace, env, create=True)  # a fresh bucket per test
    return lambda: connect(backend, mode, namespace, env)


class TestConnectorOnEmulator(ConnectorContract):
    pass


def test_of_many_writers_holding_one_version_only_the_first_wins(
    open_connector: OpenConnector,
) -> None:
    """Ten writers hold the same version; the emulator must accept exactly one write."""
    seed = open_connector()
    version = seed.compare_and_swap("race", b"seed", None)
    writers: list[StateConnector] = [open_connector() for _ in range(10)]
    winners, losers = [], 0
    for index, writer in enumerate(writers):
        try:
            writer.compare_and_swap("race", f"writer-{index}".encode(), version)
            winners.append(index)
        except ConflictError:
            losers += 1
    assert winners == [0] and losers == 9
    assert open_connector().read("race") == b"writer-0"


def test_values_survive_byte_for_byte(open_connector: OpenConnector) -> None:
    payload = bytes(range(256)) * 64  # binary, 16 KiB
    writer = open_connector()
    writer.write("blob", payload)
    writer.flush()
    assert open_connector().read("blob") == payload
