"""What `matrixgen run` was asked to do, as plain data: the CLI builds it, the scheduler reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from matrixgen.errors import UsageError
from matrixgen.load.model import parse_duration

SERVICE_MODES = ("auto", "native", "compose")


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
    quiet: bool = False
    verbose: bool = False
    stream: TextIO | None = None  # progress output; None means sys.stdout
    live: bool | None = None  # None: a live view exactly when stream is a TTY and CI is unset
    # After `--`: every selected cell gets them, on every attempt (see placeholders.fill_command)
    extra_args: tuple[str, ...] = ()

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
        verbose: bool,
        root: Path,
        env: dict[str, str],
        extra_args: tuple[str, ...] = (),
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
            quiet=quiet,
            verbose=verbose,
            extra_args=extra_args,
        )
