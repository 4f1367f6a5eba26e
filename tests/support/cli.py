"""matrixgen as a user runs it: in-process through `main()` (exit codes and error mapping
included), or in a process of its own (`python -m matrixgen`)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from matrixgen.cli import main
from support.installed import with_record


@dataclass(frozen=True)
class Result:
    """What `matrixgen ARGS` ended with: exit code, stdout, stderr."""

    code: int
    out: str
    err: str


@contextmanager
def environment(env: Mapping[str, str | None] | None) -> Iterator[None]:
    """os.environ with `env` applied for the block (None removes a name), then as before."""
    saved = {name: os.environ.get(name) for name in env or {}}
    try:
        for name, value in (env or {}).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _Captured(io.TextIOWrapper):
    """A text stream that is not a terminal, with the bytes under it, as a pipe is."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)

    def text(self) -> str:
        self.flush()
        assert isinstance(self.buffer, io.BytesIO)
        return self.buffer.getvalue().decode("utf-8")


def invoke(*args: str, env: Mapping[str, str | None] | None = None) -> Result:
    """`matrixgen ARGS` through `main`, exactly as the console script runs it: a
    MatrixgenError or a click usage error becomes its exit code and message, not a
    traceback; stdout and stderr are captured apart; `env` applies for the call."""
    out, err = _Captured(), _Captured()
    with environment(env), redirect_stdout(out), redirect_stderr(err):
        try:
            main(list(args))
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 1
    return Result(code, out.text(), err.text())


def process(
    root: Path | None,
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
    stderr_to_stdout: bool = False,
) -> subprocess.CompletedProcess[str]:
    """`python -m matrixgen [-C ROOT] ARGS` in a process of its own (what a terminal, a signal
    or another process sees); `env` is the whole environment when given."""
    argv = [sys.executable, "-m", "matrixgen", *(["-C", str(root)] if root else []), *args]
    return subprocess.run(
        argv, cwd=cwd, env=with_record(os.environ if env is None else env), text=True,
        timeout=timeout,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT if stderr_to_stdout else subprocess.PIPE,
        check=False,
    )  # fmt: skip


def on_terminal(root: Path, *args: str, env: Mapping[str, str] | None = None) -> tuple[int, str]:
    """`matrixgen -C ROOT ARGS` as a terminal shows it: exit code and stdout then stderr,
    control characters included, without the variables of a CI runner, colour off.

    In-process through `main()` (`invoke`): these tests check the text matrixgen prints,
    which a pipe would carry unchanged; a process each cost ~0.5 s of CPU. Output that is
    not UTF-8 fails the call (`invoke`'s streams are strict), as it would a terminal."""
    runner = {name: None for name in os.environ if name.startswith("GITHUB_") or name == "CI"}
    done = invoke("-C", str(root), *args, env={**runner, "NO_COLOR": "1", **(env or {})})
    return done.code, done.out + done.err
