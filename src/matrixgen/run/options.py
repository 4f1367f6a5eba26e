"""What `matrixgen run` was asked to do, as plain data: the CLI builds it, the scheduler reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from matrixgen.errors import UsageError
from matrixgen.load.fields import parse_duration
from matrixgen.load.runtimes import CHOICES

SERVICE_MODES = CHOICES  # the runtimes a run may be told to use (`load.runtimes`)
SERVICE_STARTS = ("when-needed", "all")  # `--start`: just before a service's first cell, or at once
PROVIDED_HOST = "127.0.0.1"  # where a service given as NAME=PORT listens (a CI job's containers)


def parse_provided(specs: Sequence[str]) -> dict[str, tuple[str, int]]:
    """`--provided NAME=PORT` or `NAME=HOST:PORT`: a service already running, which the run
    uses instead of starting it. UsageError when a spec is malformed or names one twice."""
    provided: dict[str, tuple[str, int]] = {}
    for spec in specs:
        name, equals, address = spec.partition("=")
        host, _, port = address.rpartition(":")
        if not (equals and name and port.isdigit() and 1 <= int(port) <= 65535):
            raise UsageError(
                f"--provided: expected NAME=PORT or NAME=HOST:PORT with a port 1-65535, "
                f"got {spec!r}"
            )
        if name in provided:
            raise UsageError(f"--provided: service {name} is given twice; keep one")
        provided[name] = (host or PROVIDED_HOST, int(port))
    return provided


class MustFail(str):
    """Why a cell cannot run, when that fails the run (an error of the cell), not a skip."""


@dataclass(frozen=True)
class RunOptions:
    root: Path
    results_dir: Path
    env: Mapping[str, str] = field(default_factory=dict)
    jobs: int = 1
    timeout: float | None = None  # seconds; wins over a cell's own `timeout:`
    retries: int = 0
    fail_fast: bool = False
    services_mode: str = "auto"
    start: str = "when-needed"  # SERVICE_STARTS
    provided: Mapping[str, tuple[str, int]] = field(default_factory=dict)  # name -> host, port
    quiet: bool = False
    verbose: bool = False
    stream: TextIO | None = None  # progress output; None means sys.stdout
    live: bool | None = None  # None: a live view exactly when stream is a TTY and CI is unset
    # After `--`: every selected cell gets them, on every attempt (see placeholders.fill_command)
    extra_args: tuple[str, ...] = ()
    # A cell whose interpreter is missing: skipped (True), or an error that fails the run
    # (False). None: an error under CI (a CI job set up for it lost it), skipped elsewhere.
    skip_missing_interpreters: bool | None = None

    @property
    def skips_missing_interpreters(self) -> bool:
        if self.skip_missing_interpreters is not None:
            return self.skip_missing_interpreters
        return self.env.get("CI", "").strip().lower() in ("", "0", "false", "no")

    def address(self, service: str) -> dict[str, Any]:
        """`host` and `port` of a service given with `--provided`, else nothing (a free port)."""
        if service not in self.provided:
            return {}
        host, port = self.provided[service]
        return {"host": host, "port": port}

    @classmethod
    def from_cli(
        cls,
        *,
        jobs: int,
        timeout: str | None,
        retries: int,
        fail_fast: bool,
        results_dir: Path | None,
        services_mode: str,
        quiet: bool,
        start: str = "when-needed",
        provided: Sequence[str] = (),
        verbose: bool,
        root: Path,
        env: dict[str, str],
        extra_args: tuple[str, ...] = (),
        skip_missing_interpreters: bool | None = None,
    ) -> RunOptions:
        seconds: float | None = None
        if timeout is not None:
            try:
                parsed = parse_duration(timeout)
            except ValueError as error:
                raise UsageError(f"--timeout: {error}") from None
            if not isinstance(parsed, float) or parsed <= 0:
                raise UsageError(
                    f"--timeout: expected a positive duration such as '90s', got {timeout!r}"
                )
            seconds = parsed
        if services_mode not in SERVICE_MODES:
            raise UsageError(
                f"--services: expected one of {', '.join(SERVICE_MODES)}, got {services_mode!r}"
            )
        if start not in SERVICE_STARTS:
            raise UsageError(f"--start: expected one of {', '.join(SERVICE_STARTS)}, got {start!r}")
        if jobs < 1 or retries < 0:
            raise UsageError("-j must be at least 1 and --retries at least 0")
        folder = results_dir if results_dir is not None else root / "results"
        return cls(
            root=root,
            results_dir=folder if folder.is_absolute() else root / folder,
            env=env,
            jobs=jobs,
            timeout=seconds,
            retries=retries,
            fail_fast=fail_fast,
            services_mode=services_mode,
            start=start,
            provided=parse_provided(provided),
            quiet=quiet,
            verbose=verbose,
            extra_args=extra_args,
            skip_missing_interpreters=skip_missing_interpreters,
        )
