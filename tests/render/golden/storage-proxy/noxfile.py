"""Nox sessions.

matrixgen render owns the region between the matrixgen:sessions markers: one session per
level of matrix.yaml, e.g. nox -s "unit(s3-lww)", nox -t unit. Everything else here is yours.
"""

# matrixgen:sessions:start (digest 240e9f913d79) generated from matrix.yaml; edit that, not this
import importlib.util
import sys

import nox

# matrixgen runs from nox's own environment (installed beside nox), never inside a session's
# Python: any interpreter can be a cell's, the oldest and PyPy included.
_MATRIXGEN = importlib.util.find_spec("matrixgen") is not None


def _matrixgen_cell(session: nox.Session, cell_id: str) -> None:
    # matrixgen run makes the cell's environment (its Python, outputs.install, its services'
    # and its own `install:` packages; built once, shared only by cells that declare the
    # same), starts the services the cell needs, runs it, and writes its JUnit file.
    # Arguments after `--` (nox -s "unit(s3-lww)" -- -k name) go on to the cell's command.
    if not _MATRIXGEN:
        session.error(
            "matrixgen is not installed in nox's environment; install it beside nox: "
            "pip install nox 'matrixgen-cli==0.1.0'"
        )
    extra = ["--", *session.posargs] if session.posargs else []
    session.run(
        sys.executable,
        "-m",
        "matrixgen",
        "run",
        cell_id,
        *extra,
        external=True,
    )


@nox.session(name="unit", tags=["unit"], venv_backend="none")
@nox.parametrize(
    ["cell"],
    [
        nox.param(
            "s3-lww",
            id="s3-lww",
            tags=["s3", "backend=s3", "lww", "mode=lww"],
        ),
        nox.param(
            "s3-cas",
            id="s3-cas",
            tags=["s3", "backend=s3", "cas", "mode=cas"],
        ),
        nox.param(
            "s3-passthrough",
            id="s3-passthrough",
            tags=["s3", "backend=s3", "passthrough", "mode=passthrough"],
        ),
        nox.param(
            "gcs-lww",
            id="gcs-lww",
            tags=["gcs", "backend=gcs", "lww", "mode=lww"],
        ),
        nox.param(
            "gcs-cas",
            id="gcs-cas",
            tags=["gcs", "backend=gcs", "cas", "mode=cas"],
        ),
        nox.param(
            "gcs-passthrough",
            id="gcs-passthrough",
            tags=["gcs", "backend=gcs", "passthrough", "mode=passthrough"],
        ),
        nox.param(
            "redis-cas",
            id="redis-cas",
            tags=["redis", "backend=redis", "cas", "mode=cas"],
        ),
    ],
)
def unit(session: nox.Session, cell: str) -> None:
    "Unit — by Storage backend × Mode"
    _matrixgen_cell(session, "unit/" + cell)


@nox.session(name="component", tags=["component"], venv_backend="none")
@nox.parametrize(
    ["cell"],
    [
        nox.param(
            "s3-lww",
            id="s3-lww",
            tags=["s3", "backend=s3", "lww", "mode=lww"],
        ),
        nox.param(
            "s3-cas",
            id="s3-cas",
            tags=["s3", "backend=s3", "cas", "mode=cas"],
        ),
        nox.param(
            "s3-passthrough",
            id="s3-passthrough",
            tags=["s3", "backend=s3", "passthrough", "mode=passthrough"],
        ),
        nox.param(
            "gcs-lww",
            id="gcs-lww",
            tags=["gcs", "backend=gcs", "lww", "mode=lww"],
        ),
        nox.param(
            "gcs-cas",
            id="gcs-cas",
            tags=["gcs", "backend=gcs", "cas", "mode=cas"],
        ),
        nox.param(
            "redis-cas",
            id="redis-cas",
            tags=["redis", "backend=redis", "cas", "mode=cas"],
        ),
    ],
)
def component(session: nox.Session, cell: str) -> None:
    "Component — by Storage backend × Mode"
    _matrixgen_cell(session, "component/" + cell)


@nox.session(name="integration", tags=["integration"], venv_backend="none")
@nox.parametrize(
    ["cell"],
    [
        nox.param(
            "sqs-s3",
            id="sqs-s3",
            tags=["sqs", "transport=sqs", "s3", "backend=s3", "lww", "mode=lww"],
        ),
        nox.param(
            "sqs-gcs",
            id="sqs-gcs",
            tags=["sqs", "transport=sqs", "gcs", "backend=gcs", "lww", "mode=lww"],
        ),
        nox.param(
            "rabbitmq-s3",
            id="rabbitmq-s3",
            tags=["rabbitmq", "transport=rabbitmq", "s3", "backend=s3", "lww", "mode=lww"],
        ),
        nox.param(
            "rabbitmq-gcs",
            id="rabbitmq-gcs",
            tags=["rabbitmq", "transport=rabbitmq", "gcs", "backend=gcs", "lww", "mode=lww"],
        ),
        nox.param(
            "pubsub-s3",
            id="pubsub-s3",
            tags=["pubsub", "transport=pubsub", "s3", "backend=s3", "lww", "mode=lww"],
        ),
        nox.param(
            "pubsub-gcs",
            id="pubsub-gcs",
            tags=["pubsub", "transport=pubsub", "gcs", "backend=gcs", "lww", "mode=lww"],
        ),
    ],
)
def integration(session: nox.Session, cell: str) -> None:
    "Integration — by Transport × Storage backend, with Mode: LWW"
    _matrixgen_cell(session, "integration/" + cell)


@nox.session(name="e2e", tags=["e2e"], venv_backend="none")
@nox.parametrize(
    ["cell"],
    [
        nox.param(
            "sqs-s3",
            id="sqs-s3",
            tags=["sqs", "transport=sqs", "s3", "backend=s3", "lww", "mode=lww"],
        ),
        nox.param(
            "sqs-gcs",
            id="sqs-gcs",
            tags=["sqs", "transport=sqs", "gcs", "backend=gcs", "lww", "mode=lww"],
        ),
        nox.param(
            "rabbitmq-s3",
            id="rabbitmq-s3",
            tags=["rabbitmq", "transport=rabbitmq", "s3", "backend=s3", "lww", "mode=lww"],
        ),
        nox.param(
            "rabbitmq-gcs",
            id="rabbitmq-gcs",
            tags=["rabbitmq", "transport=rabbitmq", "gcs", "backend=gcs", "lww", "mode=lww"],
        ),
        nox.param(
            "rabbitmq-redis",
            id="rabbitmq-redis",
            tags=["rabbitmq", "transport=rabbitmq", "redis", "backend=redis", "cas", "mode=cas"],
        ),
    ],
)
def e2e(session: nox.Session, cell: str) -> None:
    "End to end — by Transport × Storage backend"
    _matrixgen_cell(session, "e2e/" + cell)


# matrixgen:sessions:end

# Your own sessions go below; matrixgen render never touches them.
