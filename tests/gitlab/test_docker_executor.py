"""A pipeline whose jobs run in an image (`outputs.gitlab.image`: GitLab's Docker executor)
and whose cell's service is a service container (`services:`, from the service's container
declaration), run by gitlab-ci-local on the private Docker engine: the job reaches Redis
at its alias (`redis:6379`, `matrixgen run --provided`), the gate passes.

No registry is reachable, so every image is built here from the engine's Debian base
(scripts/docker-engine.sh), as tests/compose builds its own: the job's image (Debian's
Python with its venv module, the host's python3.11-venv files), gitlab-ci-local's helper
(which copies artifacts and caches with rsync: the host's binary) under a name of our own
(`--helper-image`), and the one its service health check runs, under the name it asks for
(as the engine's service images carry the official names)."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from support.project import Project

from matrixgen.run.interpreters import find_interpreter

from .test_gitlab_ci_local import GIT, commit

pytestmark = [pytest.mark.slow]

BASE = "matrixgen/debian-services:bookworm"
JOB_IMAGE = "matrixgen/gitlab-job:bookworm"
HELPER_IMAGE = "matrixgen/gitlab-ci-local-util:bookworm"
WAIT_IMAGE = "docker.io/sumina46/wait-for-it"  # gitlab-ci-local's service health check
# Debian's venv module and the wheels it seeds a venv with (not in the engine's base).
VENV_PACKAGES = ("python3.11-venv", "python3-pip-whl", "python3-setuptools-whl")
WAIT_FOR_IT = """\
#!/bin/bash
# wait-for-it HOST:PORT -t SECONDS: exit 0 once a TCP connection opens.
host=${1%:*} port=${1##*:} seconds=${3:-30}
for _ in $(seq "$seconds"); do
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && exit 0
  sleep 1
done
exit 1
"""

BOXED = """\
version: 1
name: boxed
axes:
  backend:
    values:
      redis: {services: [redis]}
levels:
  unit:
    axes: [backend]
    run: python ping.py ${junit}
    timeout: 5m
services:
  redis:
    process:
      command: [redis-server, --port, "${port}"]
      # ${host}: 127.0.0.1 natively; as a service container, its alias
      ready: {tcp: "${host}:${port}"}
    env: {REDIS_URL: "redis://${host}:${port}/0"}
    github: {image: "redis:7.4-alpine", port: 6379}
outputs:
  matrixgen: matrixgen-cli
  gitlab: {file: .gitlab-ci.yml, image: "IMAGE"}
""".replace("IMAGE", JOB_IMAGE)
# The cell: a round trip to the Redis the job was given, its JUnit file, where it ran.
PING = """\
import os, socket, sys, urllib.parse
url = urllib.parse.urlparse(os.environ["REDIS_URL"])
with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
    conn.sendall(b"SET box ok\\r\\nGET box\\r\\n")
    reply = b""
    while b"ok" not in reply:
        reply += conn.recv(100)
print("redis at", url.hostname, url.port, "said", reply.split())
print("image:", os.environ.get("IMAGE_MARK"), "python", sys.version.split()[0])
with open(sys.argv[1], "w") as stream:
    stream.write('<testsuite name="ping" tests="1"><testcase classname="ping" name="redis"/>'
                 "</testsuite>")
"""


def build(env: dict[str, str], tag: str, context: Path) -> None:
    done = subprocess.run(
        ["docker", "build", "--network=none", "-q", "-t", tag, str(context)],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def host_files(packages: tuple[str, ...]) -> list[str]:
    listed = subprocess.run(["dpkg", "-L", *packages], capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip(f"{', '.join(packages)} not installed on this host: {listed.stderr.strip()}")
    return [path for path in listed.stdout.splitlines() if os.path.isfile(path)]


@pytest.fixture(scope="module")
def images(docker_engine: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("gitlab-images")
    job = folder / "job"
    job.mkdir()
    with tarfile.open(job / "venv.tar", "w") as archive:
        for path in host_files(VENV_PACKAGES):
            archive.add(path, arcname=path.lstrip("/"))
    (job / "Dockerfile").write_text(
        f'FROM {BASE}\nADD venv.tar /\nENV IMAGE_MARK=gitlab-job\nCMD ["bash"]\n'
    )
    build(docker_engine, JOB_IMAGE, job)

    helper = folder / "helper"
    helper.mkdir()
    rsync = shutil.which("rsync")
    if rsync is None:
        pytest.skip("rsync is not installed; run `bash scripts/install.sh`")
    shutil.copy(rsync, helper / "rsync")  # its libraries are in the base already
    (helper / "Dockerfile").write_text(f"FROM {BASE}\nCOPY rsync /usr/bin/rsync\n")
    build(docker_engine, HELPER_IMAGE, helper)

    wait = folder / "wait"
    wait.mkdir()
    (wait / "wait-for-it").write_text(WAIT_FOR_IT)
    (wait / "wait-for-it").chmod(0o755)
    (wait / "Dockerfile").write_text(
        f"FROM {BASE}\nCOPY wait-for-it /usr/local/bin/\n"
        'ENTRYPOINT ["/usr/local/bin/wait-for-it"]\n'
    )
    build(docker_engine, WAIT_IMAGE, wait)


def docker_executor(
    tool: str, root: Path, compose_engine: dict[str, str], *wheelhouses: Path
) -> tuple[int, str]:
    """gitlab-ci-local's whole pipeline of `root` on the engine's Docker executor: its exit
    code and log. Each wheelhouse is mounted at its own path in the jobs, where pip and uv
    find their packages (with no index)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(
        {k: compose_engine[k] for k in ("DOCKER_HOST", "DOCKER_CONFIG") if k in compose_engine}
    )
    links = " ".join(map(str, wheelhouses))
    argv = [
        tool, "--no-color", "--home", str(root.parent / "gitlab-ci-local-home"),
        "--helper-image", HELPER_IMAGE, "--pull-policy", "if-not-present",
        *(f"--volume={folder}:{folder}:ro" for folder in wheelhouses),
        "--variable", f"PIP_FIND_LINKS={links}", "--variable", "PIP_NO_INDEX=1",
        "--variable", f"UV_FIND_LINKS={links.replace(' ', ',')}", "--variable", "UV_OFFLINE=1",
        "--variable", "GITLAB_CI=true",
    ]  # fmt: skip
    done = subprocess.run(
        argv, cwd=root, env={**env, **GIT}, capture_output=True, timeout=1200, check=False
    )
    return done.returncode, done.stdout.decode() + done.stderr.decode()


@pytest.fixture
def passed_pipeline(
    project: Callable[..., Project],
    require_binary: Callable[[str], str],
    compose_engine: dict[str, str],
) -> Callable[..., str]:
    """A project of a matrix and its files, rendered and committed, whose whole pipeline
    gitlab-ci-local runs on the Docker executor with those wheelhouses: its log, once it
    passed."""
    tool = require_binary("gitlab-ci-local")
    require_binary("rsync")

    def run(text: str, files: dict[str, str], *wheelhouses: Path) -> str:
        made = project(text, {**files, ".gitignore": ".gitlab-ci-local/\n"})
        assert made.render() == 0, made.lines
        commit(made.root)
        code, log = docker_executor(tool, made.root, compose_engine, *wheelhouses)
        assert code == 0, log
        return log

    return run


def test_a_jobs_service_container_runs_on_the_docker_executor(
    passed_pipeline: Callable[..., str], images: None, wheels: Path
) -> None:
    log = passed_pipeline(BOXED, {"ping.py": PING}, wheels)
    job = "unit: [unit/redis]"
    # The job ran in the image, its Redis a container GitLab started, health-checked.
    assert f"{job} starting {JOB_IMAGE} (unit)" in " ".join(log.split()), log
    assert "service image: redis:7.4-alpine healthcheck passed" in log, log
    assert "redis at redis 6379 said [b'+OK', b'$2', b'ok']" in log, log
    assert "image: gitlab-job python 3.11" in log, log
    assert f" PASS  {job}" in log and " PASS  matrix gate" in log, log
    assert "1 JUnit files: ✅ 1 passed" in log or "1 JUnit file: ✅ 1 passed" in log, log


FLAVORS = ("alpha", "beta")
# Two cells, each in the image its value names (`${flavor}` in outputs.gitlab.image).
IMAGED = """\
version: 1
name: imaged
axes:
  flavor: [alpha, beta]
levels:
  unit:
    axes: [flavor]
    run: python where.py ${flavor} ${junit}
    timeout: 5m
outputs:
  matrixgen: matrixgen-cli
  gitlab: {file: .gitlab-ci.yml, image: "matrixgen/gitlab-job:${flavor}"}
"""
# The cell: the image it ran in is its value's (a file and an env only that image has).
WHERE = """\
import os, sys
flavor = sys.argv[1]
with open("/etc/matrixgen-flavor") as stream:
    marked = stream.read().strip()
print("cell", flavor, "ran in image", marked, os.environ.get("IMAGE_MARK"))
assert marked == flavor == os.environ["IMAGE_MARK"], (marked, flavor)
with open(sys.argv[2], "w") as stream:
    stream.write('<testsuite name="where" tests="1"><testcase classname="where" name="image"/>'
                 "</testsuite>")
"""


@pytest.fixture(scope="module")
def flavored(
    docker_engine: dict[str, str], images: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """matrixgen/gitlab-job:alpha and :beta, the job image each marked with its name."""
    for flavor in FLAVORS:
        folder = tmp_path_factory.mktemp(f"gitlab-{flavor}")
        (folder / "flavor").write_text(flavor + "\n")
        (folder / "Dockerfile").write_text(
            f"FROM {JOB_IMAGE}\nCOPY flavor /etc/matrixgen-flavor\nENV IMAGE_MARK={flavor}\n"
        )
        build(docker_engine, f"matrixgen/gitlab-job:{flavor}", folder)


def test_each_cell_runs_in_the_image_its_values_fill(
    passed_pipeline: Callable[..., str], flavored: None, wheels: Path
) -> None:
    log = passed_pipeline(IMAGED, {"where.py": WHERE}, wheels)
    flat = " ".join(log.split())
    for flavor in FLAVORS:
        job = f"unit (matrixgen/gitlab-job:{flavor}): [unit/{flavor}]"
        assert f"{job} starting matrixgen/gitlab-job:{flavor} (unit)" in flat, log
        assert f"cell {flavor} ran in image {flavor} {flavor}" in log, log
        assert f" PASS  {job}" in log, log
    # The gate runs in the pipeline's default image: the first cell's.
    assert "matrix gate starting matrixgen/gitlab-job:alpha (.post)" in flat, log
    assert " PASS  matrix gate" in log, log
    assert "2 JUnit files: ✅ 2 passed" in log, log


OLD_PYTHON = "3.8"
OLD_IMAGE = "matrixgen/gitlab-job:py38"
# A cell on Python 3.8 (older than matrixgen's 3.10), whose GitHub job container is its
# GitLab job's image too: python:3.8's shape (its python3 is 3.8), with Debian's 3.11 beside
# it, which uv finds for matrixgen's own venv.
OLD = """\
version: 1
name: old
axes:
  python:
    values:
      "3.8": {github: {container: {image: "IMAGE", env: {CONTAINER_MARK: "in $the job"}}}}
levels:
  unit:
    axes: [python]
    run: python which.py ${junit}
    timeout: 5m
outputs:
  matrixgen: matrixgen-cli
  gitlab: {file: .gitlab-ci.yml, image: "DEFAULT"}
""".replace("IMAGE", OLD_IMAGE).replace("DEFAULT", JOB_IMAGE)
# The cell: on the image's 3.8; matrixgen's venv is of another Python, made by uv.
WHICH = """\
import os, sys
tools = os.path.join(os.environ["CI_PROJECT_DIR"], ".matrixgen-ci")
with open(os.path.join(tools, "matrixgen", "pyvenv.cfg")) as stream:
    made = dict(line.split(" = ", 1) for line in stream.read().splitlines() if " = " in line)
print("cell on", sys.version.split()[0], "matrixgen on", made["version_info"], "by", made.get("uv"))
assert sys.version_info[:2] == (3, 8), sys.version
# the container's env is the job's variables, as it is every step's env on GitHub (verbatim)
assert os.environ.get("CONTAINER_MARK") == "in $the job", os.environ.get("CONTAINER_MARK")
assert tuple(map(int, made["version_info"].split(".")[:2])) >= (3, 10), made
with open(sys.argv[1], "w") as stream:
    stream.write('<testsuite name="which" tests="1"><testcase classname="which" name="python"/>'
                 "</testsuite>")
"""


@pytest.fixture(scope="module")
def old_python_image(
    docker_engine: dict[str, str], images: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """OLD_IMAGE: the job image with this machine's CPython 3.8 (pyenv's, at the path its
    libpython is linked to) as its python3 and python3.8."""
    found = find_interpreter(OLD_PYTHON, dict(os.environ))
    if found is None:
        message = f"Python {OLD_PYTHON} is not installed; `pyenv install {OLD_PYTHON}`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    prefix = Path(
        subprocess.run(
            [str(found), "-c", "import sys; print(sys.base_prefix)"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    folder = tmp_path_factory.mktemp("gitlab-py38")
    arcname = str(prefix).lstrip("/")
    left_out = {"test", "idlelib", "tkinter", "turtledemo"}  # what no job runs: a third of it

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        parts = Path(info.name).relative_to(arcname).parts
        inside = parts[:2] == ("lib", f"python{OLD_PYTHON}") and len(parts) > 2
        return None if inside and parts[2] in left_out else info

    with tarfile.open(folder / "python.tar", "w") as archive:
        archive.add(prefix, arcname=arcname, filter=keep)
        for name in ("python3", f"python{OLD_PYTHON}"):
            link = tarfile.TarInfo(f"usr/local/bin/{name}")
            link.type, link.linkname = tarfile.SYMTYPE, f"{prefix}/bin/python{OLD_PYTHON}"
            archive.addfile(link)
    (folder / "Dockerfile").write_text(f"FROM {JOB_IMAGE}\nADD python.tar /\n")
    build(docker_engine, OLD_IMAGE, folder)


@pytest.fixture(scope="module")
def uv_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """uv's wheel (this environment's version), which the job's pip installs: pip as the
    machine configures it fetches it, once."""
    folder = tmp_path_factory.mktemp("uv-wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
         "-d", str(folder), f"uv=={importlib.metadata.version('uv')}"],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return folder


def test_an_image_older_than_matrixgens_python_keeps_it_for_the_cell(
    passed_pipeline: Callable[..., str], old_python_image: None, wheels: Path, uv_wheel: Path
) -> None:
    log = passed_pipeline(OLD, {"which.py": WHICH}, wheels, uv_wheel)
    job = "unit: [unit/3.8]"
    # The GitHub job container is the job's image; its python3 (3.8) is too old for
    # matrixgen, so uv, installed by that pip, made matrixgen's venv of the image's 3.11;
    # the cell ran on 3.8.
    assert f"{job} starting {OLD_IMAGE} (unit)" in " ".join(log.split()), log
    assert re.search(r"cell on 3\.8\.\d+ matrixgen on 3\.11\.\d+ by \d", log), log
    assert f" PASS  {job}" in log and " PASS  matrix gate" in log, log
