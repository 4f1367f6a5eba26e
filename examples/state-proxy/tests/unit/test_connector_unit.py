"""The connector contract on in-process backends: moto's mock_aws (S3), a fake GCS
bucket, fakeredis. The cell's backend and mode come from MATRIXGEN_BACKEND/MODE."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import fakeredis
import pytest
from moto import mock_aws

from state_proxy.backends.gcs import GcsStore
from state_proxy.backends.redis import RedisStore
from state_proxy.backends.s3 import S3Store
from state_proxy.connector import Mode, StateConnector
from state_proxy.store import Store

from conftest import cell_combinations
from contract import ConnectorContract, OpenConnector
from fakes import FakeBucket


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    """An S3 client on moto's in-process S3, one for the module: starting mock_aws makes
    boto3 a new session, which parses S3's model files again (~0.3 s a test)."""
    with mock_aws():
        yield boto3.client("s3", region_name="us-east-1")


@pytest.fixture
def store(combination: tuple[str, str], request: pytest.FixtureRequest) -> Iterator[Store]:
    backend = combination[0]
    if backend == "s3":
        client = request.getfixturevalue("s3")
        bucket = f"state-{uuid.uuid4().hex[:12]}"  # a fresh bucket per test
        client.create_bucket(Bucket=bucket)
        yield S3Store(client, bucket, prefix="cell/")
    elif backend == "gcs":
        yield GcsStore(FakeBucket(), prefix="cell/")
    else:
        yield RedisStore(fakeredis.FakeRedis(), prefix="cell/")


@pytest.fixture
def open_connector(store: Store, mode: Mode) -> OpenConnector:
    return lambda: StateConnector(store, mode)


class TestConnector(ConnectorContract):
    pass


def test_the_run_covers_at_least_one_combination() -> None:
    assert cell_combinations(), "MATRIXGEN_BACKEND/MODE name a pair the proxy does not support"
