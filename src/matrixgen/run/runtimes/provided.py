"""`provided`: a service already running at an address given to the run (`--provided`, a
CI job's service container): probed and set up, never started or stopped."""

from __future__ import annotations

from matrixgen.load.model import Ready
from matrixgen.run.runtimes.base import Handle


class Provided:
    name = "provided"
    holds_port = False

    async def start(self, handle: Handle) -> None:
        return None

    def ready(self, handle: Handle, declared: Ready | None) -> Ready | None:
        # No output of its own here to watch: probed as declared, else until its port
        # accepts a connection.
        if declared is None or declared.log is not None:
            return Ready(tcp=f"{handle.host}:{handle.port}")
        return declared

    async def stop(self, handle: Handle) -> None:
        return None

    def described(self, handle: Handle) -> str:
        return f"provided {handle.host}:{handle.port}"
