"""The example's RabbitMQ beside a user's own Erlang: the quick start stops nothing it did not
start, so an epmd on Erlang's default port 4369 (a user's RabbitMQ runs one) may be running
while the example runs. Its node, with an epmd of its own on a free port, must start and
serve beside it, register nowhere else, and stop leaving nothing, the user's epmd running."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
DEFAULT_EPMD_PORT = 4369

pytestmark = [pytest.mark.services, pytest.mark.slow]


def epmd_names(epmd: str) -> subprocess.CompletedProcess[str]:
    """`epmd -names` of the epmd on the default port: exit 0 when one answers there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERL_EPMD_")}
    return subprocess.run(
        [epmd, "-names"], env=env, capture_output=True, text=True, timeout=10, check=False
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def users_epmd(require_binary: Callable[[str], str]) -> Iterator[str]:
    """An epmd on 4369: the machine's own when one runs (left alone), else one started here
    in the foreground, as this test's child, and stopped by its pid at the end."""
    epmd = require_binary("epmd")
    if epmd_names(epmd).returncode == 0:
        yield epmd
        return
    ours = subprocess.Popen([epmd, "-port", str(DEFAULT_EPMD_PORT)])
    try:
        deadline = time.monotonic() + 10
        while epmd_names(epmd).returncode != 0:
            assert ours.poll() is None and time.monotonic() < deadline, "epmd did not start"
            time.sleep(0.1)
        yield epmd
        assert ours.poll() is None, "the epmd on 4369 was stopped"
    finally:
        ours.terminate()
        ours.wait(timeout=10)


def test_the_examples_rabbitmq_runs_beside_a_users_epmd_and_leaves_it_running(
    users_epmd: str, require_binary: Callable[[str], str], tmp_path: Path
) -> None:
    require_binary(SERVER)
    if importlib.util.find_spec("state_proxy") is None or importlib.util.find_spec("pika") is None:
        message = "the example is not installed: pip install -e 'examples/state-proxy[test]'"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    import pika

    port = free_port()
    log = (tmp_path / "launcher.log").open("wb")
    launcher = subprocess.Popen(
        [sys.executable, "-m", "state_proxy.testing.rabbitmq", "--port", str(port),
         "--dir", str(tmp_path / "rabbitmq")],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    started: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 90
        while True:
            assert launcher.poll() is None, (tmp_path / "launcher.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "launcher.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        started = psutil.Process(launcher.pid).children(recursive=True)
        connection = pika.BlockingConnection(
            pika.URLParameters(f"amqp://guest:guest@127.0.0.1:{port}/%2F")
        )
        channel = connection.channel()
        channel.queue_declare("beside-a-users-epmd")
        channel.basic_publish("", "beside-a-users-epmd", b"hello")
        assert channel.basic_get("beside-a-users-epmd", auto_ack=True)[2] == b"hello"
        connection.close()
        # The node registered with its own epmd, not with the one on 4369.
        names = epmd_names(users_epmd)
        assert names.returncode == 0 and f"state-proxy-{port}" not in names.stdout
    finally:
        launcher.terminate()
        launcher.wait(timeout=60)
        log.close()
    left = {}
    for process in started:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                left[process.pid] = " ".join(process.cmdline())
                process.kill()  # clean up before asserting, so a failure leaks nothing
        except psutil.NoSuchProcess:
            continue
    assert not left, left
    assert epmd_names(users_epmd).returncode == 0, "the epmd on 4369 stopped answering"
