"""`compose`: the service's `compose:` file brought up on a Docker engine, as a compose
project of the run's own (`ledger.compose_name`), recorded before it starts so that a
killed run leaves it to `matrixgen clean`."""

from __future__ import annotations

import contextlib
from pathlib import Path

from matrixgen.load.model import Ready
from matrixgen.load.names import env_name
from matrixgen.load.placeholders import substitute
from matrixgen.run.ledger import compose_name
from matrixgen.run.runtimes.base import Handle

DEFAULT_TIMEOUT = 120.0  # seconds `up --wait` or `down` may take without `process.timeout`


def compose_file(handle: Handle) -> Path:
    """Its `compose:` file; `${axis}` there is the instance's value (`postgres-${pg}.yml`)."""
    assert handle.service.compose is not None  # load.runtimes chose it: it has a file
    return handle.root / substitute(handle.service.compose, handle.variant)


def project(handle: Handle) -> str:
    """`matrixgen-NAME-TOKEN`: the run's own (see `ledger.compose_name`); a `scope: cell`
    instance adds its own (`matrixgen-NAME-c2-TOKEN`), and a version its values
    (`matrixgen-NAME-pg-16-TOKEN`), so instances never share a project."""
    run = handle.ledger.run_id if handle.ledger is not None else ""
    parts = [handle.name, *(f"{a}-{v}" for a, v in handle.variant.items())]
    stem = "-".join(["matrixgen", *parts, *([handle.instance] if handle.instance else [])])
    return compose_name(stem, handle.root, run, compose_file(handle))


class Compose:
    name = "compose"
    holds_port = False

    async def start(self, handle: Handle) -> None:
        await _compose(handle, "up", "-d", "--wait")

    def ready(self, handle: Handle, declared: Ready | None) -> Ready | None:
        return declared

    async def stop(self, handle: Handle) -> None:
        with contextlib.suppress(Exception):  # a failed down is what `clean` is for
            await _compose(handle, "down", "--volumes", "--remove-orphans")

    def described(self, handle: Handle) -> str:
        return self.name


async def _compose(handle: Handle, *args: str) -> None:
    file, name = compose_file(handle), project(handle)
    argv = ["docker", "compose", "-f", str(file), "-p", name, *args]
    if handle.ledger is not None and args[0] == "up":
        handle.ledger.compose_up(name, file)  # before: a killed run leaves it up
    # Compose files map the chosen port with ${MATRIXGEN_PORT}, and read the instance's
    # values as a profile gives them, ${MATRIXGEN_<AXIS>} (`postgres:${MATRIXGEN_PG}`).
    values = {env_name(axis): value for axis, value in handle.variant.items()}
    env = {
        **handle.base_env,
        **values,
        "MATRIXGEN_PORT": str(handle.port),
        "MATRIXGEN_SERVICE": handle.name,
    }
    timeout = handle.service.process.timeout if handle.service.process else DEFAULT_TIMEOUT
    command = f"docker compose {args[0]}"
    await handle.run_step(f"`{command}`", command, argv, env, timeout, grace=2.0)
    if handle.ledger is not None and args[0] == "down":
        handle.ledger.compose_down(name)
