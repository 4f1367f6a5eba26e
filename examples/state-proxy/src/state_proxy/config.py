"""Build stores, connectors and transports from a backend name and an environment.

Endpoints come from the variables the emulators' own client libraries know:
AWS_ENDPOINT_URL (boto3), STORAGE_EMULATOR_HOST (GCS), REDIS_URL,
PUBSUB_EMULATOR_HOST (+ PUBSUB_PROJECT_ID), AMQP_URL.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from state_proxy.connector import Mode, StateConnector
from state_proxy.store import Store

BACKENDS = ("s3", "gcs", "redis")
# The modes the proxy offers per backend (the rows of the support matrix):
SUPPORTED_MODES: dict[str, tuple[str, ...]] = {
    "s3": ("lww", "cas", "passthrough"),
    # GCS allows about one write per second to one object; unbuffered passthrough writes
    # of a hot key would be throttled (429), so GCS is offered buffered or conditional.
    "gcs": ("lww", "cas"),
    # Redis is the coordination store other replicas read: only conditional writes.
    "redis": ("cas",),
}
GCP_PROJECT = "state-proxy"


def open_store(
    backend: str, container: str, env: Mapping[str, str], *, create: bool = False
) -> Store:
    """A store over `container` (a bucket; a key prefix on Redis), created first if asked."""
    if backend == "s3":
        from state_proxy.backends.s3 import S3Store

        client = aws_client("s3", env)
        if create:
            client.create_bucket(Bucket=container)
        return S3Store(client, container)
    if backend == "gcs":
        from state_proxy.backends.gcs import GcsStore

        gcs = gcs_client(env)
        bucket = gcs.create_bucket(container) if create else gcs.bucket(container)
        return GcsStore(bucket)
    if backend == "redis":
        import redis

        from state_proxy.backends.redis import RedisStore

        return RedisStore(
            redis.Redis.from_url(env.get("REDIS_URL", "redis://127.0.0.1:6379/0")), container + "/"
        )
    raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")


def connect(
    backend: str, mode: str, container: str, env: Mapping[str, str], *, create: bool = False
) -> StateConnector:
    if mode not in SUPPORTED_MODES.get(backend, ()):
        raise ValueError(f"{backend} does not offer mode {mode!r}")
    return StateConnector(open_store(backend, container, env, create=create), Mode(mode))


def aws_client(service: str, env: Mapping[str, str]) -> Any:
    """A boto3 client of `service` at the env's endpoint, with its credentials and region:
    one per such combination in a process (botocore's clients are thread-safe), because a
    new session parses the service's model files again (~0.25 s of CPU for S3, and a test
    opens many connectors)."""
    return _aws_client(
        service,
        env.get("AWS_ENDPOINT_URL"),
        env.get("AWS_ACCESS_KEY_ID", "testing"),
        env.get("AWS_SECRET_ACCESS_KEY", "testing"),
        env.get("AWS_DEFAULT_REGION", "us-east-1"),
    )


@functools.cache
def _aws_client(service: str, endpoint: str | None, key: str, secret: str, region: str) -> Any:
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=key, aws_secret_access_key=secret, region_name=region
    )
    return session.client(service, endpoint_url=endpoint)


def gcs_client(env: Mapping[str, str]) -> Any:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    host = env.get("STORAGE_EMULATOR_HOST")
    if host is None:
        return storage.Client()
    return storage.Client(
        project=GCP_PROJECT,
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options={"api_endpoint": host},
    )
