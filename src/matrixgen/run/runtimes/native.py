"""`native`: the service's `process:` on a free port, in a session of its own."""

from __future__ import annotations

from matrixgen.load.model import Ready
from matrixgen.run.processes import terminate
from matrixgen.run.runtimes.base import Handle

STOP_GRACE = 5.0  # seconds between SIGTERM and SIGKILL of its process tree


class Native:
    name = "native"
    holds_port = True

    async def start(self, handle: Handle) -> None:
        process = handle.service.process
        assert process is not None  # load.runtimes chose it: it has a process
        command = handle.fill_argv(process.command)
        env = {**handle.base_env, **{k: handle.fill(v) for k, v in process.env.items()}}
        cwd = handle.root / handle.fill(process.cwd) if process.cwd else handle.root
        try:
            handle.process = await handle.spawn("process", command, env, cwd)
        except OSError as error:
            raise handle.failure(
                f"could not start `{command[0]}`: {error.strerror or error}"
            ) from None

    def ready(self, handle: Handle, declared: Ready | None) -> Ready | None:
        return declared

    async def stop(self, handle: Handle) -> None:
        process = handle.process
        if process is None:
            return
        # The leader may have died while its group lives on: the group is stopped either way.
        await terminate(process, grace=STOP_GRACE if process.returncode is None else 0.5)

    def described(self, handle: Handle) -> str:
        return self.name
