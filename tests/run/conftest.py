"""Fixtures for `matrixgen run` tests: a project folder with matrix.yaml, real services, and
a check after every scenario that nothing the run started is left and its ports are free."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import psutil
import pytest
from support.cli import process as matrixgen_process

from matrixgen.load.matrix import load
from matrixgen.run import RunOptions, run_cells
from matrixgen.run.processes import port_is_free

PROGRAM = Path(__file__).with_name("cell_program.py")
TAG = "MATRIXGEN_TEST_TAG"

REDIS = """\
  redis:
    process:
      command: [redis-server, --port, "${port}", --bind, 127.0.0.1, --save, "",
                --appendonly, "no", --dir, "${dir}"]
      ready: {tcp: "127.0.0.1:${port}"}
      timeout: 20s
    env: {REDIS_URL: "redis://127.0.0.1:${port}/0"}
"""
MOTO = """\
  s3:
    process:
      command: [moto_server, -H, 127.0.0.1, -p, "${port}"]
      ready: {http: "http://127.0.0.1:${port}/moto-api/"}
      timeout: 30s
    env: {AWS_ENDPOINT_URL: "http://127.0.0.1:${port}"}
"""
# Cells whose outcome is their value: `flaky` fails its first attempt, then passes.
RETRIED = """\
    version: 1
    axes:
      outcome: [flaky, fail, pass]
    levels:
      unit:
        axes: [outcome]
        run: PROGRAM ${outcome}
"""


def tagged(tag: str) -> list[psutil.Process]:
    """Live processes started under this test's tag (every child inherits the env)."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(TAG) == tag and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.Error:
            continue
    return found


@dataclass
class Project:
    root: Path
    tag: str = field(default_factory=lambda: uuid.uuid4().hex)
    output: str = ""

    @property
    def records(self) -> Path:
        folder = self.root / "records"
        folder.mkdir(exist_ok=True)
        return folder

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "CI")}
        return {**env, TAG: self.tag, "CELL_RECORDS": str(self.records)}

    def write(self, text: str) -> None:
        text = textwrap.dedent(text).replace("PROGRAM", f"{sys.executable} {PROGRAM}")
        text = text.replace("SERVICES_REDIS\n", REDIS).replace("SERVICES_MOTO\n", MOTO)
        (self.root / "matrix.yaml").write_text(text)

    def run(self, *selectors: str, env: dict[str, str] | None = None, **settings: object) -> int:
        """Run in-process, as `matrixgen run` does, with plain progress captured."""
        matrix = load(self.root)
        stream = io.StringIO()
        options = RunOptions(
            root=matrix.root, results_dir=self.root / "results", env={**self.env, **(env or {})},
            stream=stream, live=False, **settings,  # type: ignore[arg-type]
        )  # fmt: skip
        try:
            return run_cells(matrix, matrix.select(selectors), options)
        finally:
            self.output = stream.getvalue()

    def matrixgen(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """`matrixgen -C ROOT ARGS` in a process of its own, with this project's env."""
        return matrixgen_process(self.root, *args, env=self.env, timeout=timeout)

    def cli(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "matrixgen", "-C", str(self.root), "run", *args],
            env={**self.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def result(self, cell_id: str) -> dict[str, str]:
        """The matrixgen.* properties of a cell's JUnit file, plus its first error/skip text."""
        import xml.etree.ElementTree as ET

        level, name = cell_id.split("/")
        root = ET.parse(self.root / "results" / level / f"{name}.xml").getroot()
        props = {p.get("name", ""): p.get("value", "") for p in root.iter("property")}
        for tag in ("error", "failure", "skipped"):
            element = root.find(f".//{tag}")
            if element is not None:
                props[f"junit.{tag}"] = f"{element.get('message', '')}\n{element.text or ''}"
        return props

    def seen(self, cell_id: str) -> dict[str, str]:
        level, name = cell_id.split("/")
        data: dict[str, str] = json.loads((self.records / f"{level}-{name}.json").read_text())
        return data

    def ports(self) -> set[int]:
        ports = set()
        for record in self.records.glob("*.json"):
            for key, value in json.loads(record.read_text()).items():
                if key in ("REDIS_URL", "AWS_ENDPOINT_URL"):
                    ports.add(int(urlparse(value).port or 0))
        return ports

    def assert_clean(self) -> None:
        left = tagged(self.tag)
        names = [f"{p.name()} {p.pid}" for p in left]
        for process in left:
            process.kill()
        assert not names, f"processes left running: {names}"
        busy = [port for port in self.ports() if not port_is_free(port)]
        assert not busy, f"ports still taken: {busy}"


@pytest.fixture
def services_installed(require_binary: Callable[[str], str]) -> None:
    require_binary("redis-server")
    require_binary("moto_server")


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    """A project folder; after the test, nothing started under its tag may be left running."""
    made = Project(tmp_path)
    yield made
    made.assert_clean()
