"""A service whose version comes from the cell (issue 22, item 3): one declaration serves
every value of a server-version axis. Natively its command takes `${server}`; by compose its
file reads `${MATRIXGEN_SERVER}`, in the cell's profile and under `matrixgen run`; each
version is an instance of its own, shared only by the cells of that version. Shown on the
private engine with two tags built here (no registry: `support.versioned`), each answering
with its own version, and `validate` locating what cannot work."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.cli import Result, process
from support.project import build_tree
from support.versioned import versioned_images

from matrixgen.outcome.junit import read_junit

MATRIX = """\
version: 1
name: versions
axes:
  server: [v1, v2]
services:
  web:
    process:
      command: [python3, web.py, "${port}", "${server}"]
      ready: {http: "http://127.0.0.1:${port}/version"}
    compose: compose/web.yml
    env: {WEB_URL: "http://127.0.0.1:${port}/version"}
levels:
  unit:
    axes: [server]
    services: [web]
    run: python3 check.py ${server} ${junit}
outputs:
  compose: "profiles/${cell}.yml"
"""

FILES = {
    "compose/web.yml": """\
services:
  web:
    image: "matrixgen-test/versioned:${MATRIXGEN_SERVER}"
    ports: ["127.0.0.1:${MATRIXGEN_PORT:-}:8000"]
""",
    # The native server: answers GET /version with the version it was started as.
    "web.py": """\
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class Version(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(sys.argv[2].encode())

HTTPServer(("127.0.0.1", int(sys.argv[1])), Version).serve_forever()
""",
    # The cell: the server it was given must be the version of its own cell.
    "check.py": """\
import os, sys, urllib.request
from pathlib import Path
answer = urllib.request.urlopen(os.environ["WEB_URL"], timeout=10).read().decode()
assert answer == sys.argv[1], (answer, sys.argv[1])
junit = Path(sys.argv[2])
junit.parent.mkdir(parents=True, exist_ok=True)
junit.write_text('<testsuite name="v" tests="1"><testcase classname="v" name="v"/></testsuite>')
""",
}


def made(root: Path, matrix: str = MATRIX, files: dict[str, str] | None = None) -> Path:
    return build_tree(root, {"matrix.yaml": matrix, **FILES, **(files or {})})


@pytest.fixture(scope="module")
def images(docker_engine: dict[str, str]) -> Iterator[list[str]]:
    with versioned_images(docker_engine, ["v1", "v2"]) as tags:
        yield tags


def served(root: Path) -> dict[str, str]:
    """cell -> how its JUnit says the service served it."""
    return {
        cell: read_junit(root / f"results/unit/{cell}.xml").properties["matrixgen.service.web"]
        for cell in ("v1", "v2")
    }


def test_each_cell_gets_its_own_version_natively(tmp_path: Path) -> None:
    root = made(tmp_path / "p")
    run = process(root, "run", "unit", "-j", "2", "--services", "native", timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert served(root) == {"v1": "native, server=v1", "v2": "native, server=v2"}
    logs = sorted(p.name for p in (root / "results/services").iterdir())
    assert logs == ["web[server=v1].log", "web[server=v2].log"]  # an instance per version


@pytest.mark.services
def test_each_profile_names_the_image_of_its_cell(
    tmp_path: Path, docker_engine: dict[str, str]
) -> None:
    root = made(tmp_path / "p")
    done = process(root, "render")
    assert done.returncode == 0, done.stdout + done.stderr
    for cell in ("v1", "v2"):
        config = subprocess.run(
            ["docker", "compose", "-f", f"profiles/{cell}.yml", "config", "--format", "json"],
            cwd=root, env=docker_engine, capture_output=True, text=True, timeout=120,
            check=False,
        )  # fmt: skip
        assert config.returncode == 0, config.stderr
        assert json.loads(config.stdout)["services"]["web"]["image"] == (
            f"matrixgen-test/versioned:{cell}"
        )


@pytest.mark.services
@pytest.mark.slow
def test_matrixgen_run_starts_each_version_by_compose(
    tmp_path: Path, compose_engine: dict[str, str], images: list[str]
) -> None:
    root = made(tmp_path / "p")
    run = process(
        root, "run", "unit", "-j", "2", "--services", "compose", env=compose_engine, timeout=600
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert served(root) == {"v1": "compose, server=v1", "v2": "compose, server=v2"}


def test_a_compose_file_per_version_is_the_one_of_each_cell(tmp_path: Path) -> None:
    text = MATRIX.replace("compose/web.yml", "compose/web-${server}.yml")
    versions = {f"compose/web-{v}.yml": FILES["compose/web.yml"] for v in ("v1", "v2")}
    root = made(tmp_path / "p", text, versions)
    done = process(root, "render")
    assert done.returncode == 0, done.stdout + done.stderr
    for cell in ("v1", "v2"):
        profile = (root / f"profiles/{cell}.yml").read_text()
        assert f'  - path: "../compose/web-{cell}.yml"\n' in profile


OTHER = "  other:\n    services: [web]\n    run: python3 check.py v1 ${junit}\n"


@pytest.mark.parametrize(
    ("change", "files", "message"),
    [
        (
            ("outputs:", OTHER + "outputs:"),
            {},
            "matrix.yaml:8:45: services.web.process.command[3]: service 'web' names ${server}, "
            "and cell other/other needs the service without a value of 'server'; give that cell "
            "one (`with: {server: ...}`) or let it use another service",
        ),
        (
            ("    compose: compose/web.yml\n", "    compose: compose/web-${server}.yml\n"),
            {"compose/web-v1.yml": FILES["compose/web.yml"]},
            "matrix.yaml:10:14: services.web.compose: no such file 'compose/web-v2.yml' (the "
            "compose file of service 'web' for cell unit/v2; paths are relative to the folder of "
            "matrix.yaml); create it or fix the path",
        ),
        (
            ("    env:", "    github: {image: 'matrixgen-test/versioned:${sever}', port: 8000}\n"
                        "    env:"),
            {},
            "matrix.yaml:11:21: services.web.github.image: unknown placeholder '${sever}' (did "
            "you mean 'server'?); a service's `compose:` and `github.image` may use the axes, "
            "filled from each cell: ${server} (write $${ for a literal ${)",
        ),
        (
            ("    env:", "    github: {image: 'versioned:${port}', port: 8000}\n    env:"),
            {},
            "matrix.yaml:11:21: services.web.github.image: unknown placeholder '${port}'; a "
            "service's `compose:` and `github.image` may use the axes, filled from each cell: "
            "${server} (write $${ for a literal ${)",
        ),
    ],
    ids=["cell-without-the-axis", "missing-file-of-a-version", "typo", "run-time-name"],
)  # fmt: skip
def test_what_cannot_work_is_a_located_error(
    tmp_path: Path,
    matrixgen: Callable[..., Result],
    change: tuple[str, str],
    files: dict[str, str],
    message: str,
) -> None:
    root = made(tmp_path / "p", MATRIX.replace(*change), files)
    done = matrixgen("-C", str(root), "validate")
    assert done.code == 2, done.out + done.err
    assert done.err.split(str(root) + "/", 1)[-1].splitlines() == [message]


def test_an_axis_only_the_compose_file_reads_is_located_at_the_file(
    tmp_path: Path, matrixgen: Callable[..., Result]
) -> None:
    text = MATRIX.replace('"${server}"]', '"v1"]').replace("outputs:", OTHER + "outputs:")
    root = made(tmp_path / "p", text)
    done = matrixgen("-C", str(root), "validate")
    assert done.code == 2, done.out + done.err
    assert done.err.split(str(root) + "/", 1)[-1].splitlines() == [
        "matrix.yaml:10:14: services.web.compose: the compose file of service 'web' reads "
        "${MATRIXGEN_SERVER}, and cell other/other needs the service without a value of "
        "'server'; give that cell one (`with: {server: ...}`) or let it use another service"
    ]
