"""One service on its own: every probe kind, setup steps, and a stop that leaves nothing."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import psutil
import pytest

from matrixgen.load.model import Service
from matrixgen.run.processes import free_port, port_is_free
from matrixgen.run.services import RunningService, ServiceFailed

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("services_installed")]

REDIS_COMMAND = [
    "redis-server",
    "--port",
    "${port}",
    "--bind",
    "${host}",
    "--save",
    "",
    "--dir",
    "${dir}",
]


def redis(ready: dict[str, object], **extra: object) -> Service:
    return Service.model_validate(
        {"process": {"command": REDIS_COMMAND, "ready": ready, "timeout": "20s"},
         "env": {"REDIS_URL": "redis://${host}:${port}/0"}, **extra}
    )  # fmt: skip


async def lifecycle(service: RunningService) -> tuple[int, list[psutil.Process]]:
    try:
        await service.start()
        assert service.process is not None
        members = [psutil.Process(service.process.pid)]
    finally:
        await service.stop()
    return service.port, members


@pytest.mark.parametrize(
    "ready",
    [
        {"tcp": "127.0.0.1:${port}"},
        {"log": "Ready to accept connections"},
        {"command": ["redis-cli", "-p", "${port}", "ping"]},
    ],
    ids=["tcp", "log", "command"],
)
def test_each_probe_kind_waits_for_a_real_redis(tmp_path: Path, ready: dict[str, object]) -> None:
    service = RunningService("redis", redis(ready), "native", tmp_path, dict(os.environ))
    port, members = asyncio.run(lifecycle(service))
    assert service.env == {"REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in members)
    assert port_is_free(port)
    assert not service.folder.exists()  # the private data folder is gone


def test_http_probe_and_setup_steps_see_the_service_env(tmp_path: Path) -> None:
    script = tmp_path / "setup.py"
    script.write_text(
        "import os, boto3\n"
        "s3 = boto3.client('s3', endpoint_url=os.environ['AWS_ENDPOINT_URL'],"
        " region_name='us-east-1', aws_access_key_id='t', aws_secret_access_key='t')\n"
        "s3.create_bucket(Bucket='made-by-setup')\n"
        "print('buckets', [b['Name'] for b in s3.list_buckets()['Buckets']])\n"
    )
    moto = Service.model_validate(
        {
            "process": {"command": ["moto_server", "-H", "127.0.0.1", "-p", "${port}"],
                        "ready": {"http": "http://127.0.0.1:${port}/moto-api/"}},
            "env": {"AWS_ENDPOINT_URL": "http://127.0.0.1:${port}"},
            "setup": [[shutil.which("python") or "python", str(script)]],
        }
    )  # fmt: skip
    service = RunningService("s3", moto, "native", tmp_path, dict(os.environ))

    async def scenario() -> str:
        try:  # stopped on every path: a start that fails must not leave moto_server behind
            await service.start()
            return service.log.read_text()
        finally:
            await service.stop()

    assert "buckets ['made-by-setup']" in asyncio.run(scenario())
    assert port_is_free(service.port)


def test_failed_setup_and_missing_binary_say_why(tmp_path: Path) -> None:
    failing = redis(
        {"tcp": "127.0.0.1:${port}"}, setup=[["sh", "-c", "echo cannot create queue; exit 4"]]
    )
    service = RunningService("redis", failing, "native", tmp_path, dict(os.environ))

    async def scenario(running: RunningService) -> None:
        try:
            await running.start()
        finally:
            await running.stop()

    with pytest.raises(ServiceFailed, match=r"setup `sh -c .*` exited with code 4") as info:
        asyncio.run(scenario(service))
    assert "cannot create queue" in str(info.value)
    assert port_is_free(service.port)
    missing = Service.model_validate(
        {"process": {"command": ["no-such-emulator-binary", "${port}"]}}
    )
    absent = RunningService("gcs", missing, "native", tmp_path, dict(os.environ))
    with pytest.raises(ServiceFailed, match="could not start `no-such-emulator-binary`"):
        asyncio.run(scenario(absent))


def test_free_ports_are_distinct_and_outside_the_ephemeral_range() -> None:
    low, high = (int(x) for x in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    ports = [free_port() for _ in range(20)]
    assert len(set(ports)) == 20
    assert all(not (low <= p <= high) and port_is_free(p) for p in ports)
