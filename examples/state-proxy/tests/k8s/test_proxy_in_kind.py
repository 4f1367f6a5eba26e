"""The proxy deployed to a Kubernetes cluster (kind), beside moto, fed through SQS.

matrix.yaml's k8s level requires docker, kind and kubectl; where they are missing the cell
is skipped with that reason. matrixgen's own test machines have no package registry that
ships kind, k3s or minikube, so this test has not run there: it is written for a
developer machine or a CI runner that has them (GitHub's ubuntu runners do).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from state_proxy.config import connect
from state_proxy.transports import open_transport

from conftest import probe_until

PROJECT = Path(__file__).parents[2]
MANIFEST = PROJECT / "testing" / "k8s" / "proxy.yaml"
IMAGES = ["state-proxy:e2e", "motoserver/moto:5.2.5"]
AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
AWS |= {"AWS_DEFAULT_REGION": "us-east-1"}


def _run(*argv: str, timeout: float = 300, stdin: str | None = None) -> str:
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(argv)}: {done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A kind cluster of its own, with the images loaded; deleted afterwards."""
    name = f"mg-{uuid.uuid4().hex[:8]}"
    _run("bash", str(PROJECT / "testing" / "e2e" / "image" / "build.sh"), timeout=900)
    _run("kind", "create", "cluster", "--name", name, "--wait", "180s", timeout=600)
    try:
        _run("kind", "load", "docker-image", "--name", name, *IMAGES, timeout=600)
        yield f"kind-{name}"
    finally:
        _run("kind", "delete", "cluster", "--name", name, timeout=300)


@pytest.fixture
def endpoint(cluster: str) -> Iterator[dict[str, str]]:
    """moto's endpoint on this host, through `kubectl port-forward`, with the names the
    proxy reads from its queue and writes to its bucket."""
    space = f"k8s-{uuid.uuid4().hex[:12]}"
    manifest = MANIFEST.read_text().replace("QUEUE", space).replace("BUCKET", space)
    _run("kubectl", "--context", cluster, "apply", "-f", "-", stdin=manifest)
    for deployment in ("moto", "proxy"):
        _run("kubectl", "--context", cluster, "rollout", "status", f"deployment/{deployment}",
             "--timeout=180s")  # fmt: skip
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    forward = subprocess.Popen(
        ["kubectl", "--context", cluster, "port-forward", "service/moto", f"{port}:5000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield {**os.environ, **AWS, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "NS": space}
    finally:
        forward.terminate()
        forward.wait(timeout=30)
        _run("kubectl", "--context", cluster, "delete", "-f", "-", stdin=manifest)


def test_the_deployed_proxy_persists_what_it_consumes(endpoint: dict[str, str]) -> None:
    space = endpoint["NS"]
    state = probe_until(lambda: connect("s3", "lww", space, endpoint, create=True),
                        interval=0.5, timeout=60)  # fmt: skip
    client = open_transport("sqs", space, endpoint)
    try:
        client.declare()
        client.publish(json.dumps({"key": "k8s/1", "value": {"ok": True}}).encode())

        def persisted() -> None:
            assert state.read("k8s/1") == b'{"ok": true}'

        probe_until(persisted, interval=0.5, timeout=120)
    finally:
        client.close()
