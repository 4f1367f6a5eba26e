"""Nox sessions.

matrixgen render owns the region between the matrixgen:sessions markers: one session per
level of matrix.yaml, e.g. nox -s "unit(3.10)", nox -t unit. Everything else here is yours.
"""

# matrixgen:sessions:start (digest f5349dfbb587) generated from matrix.yaml; edit that, not this
import nox

_MATRIXGEN_INSTALL = ["-e", ".", "-e", ".[dev]"]


def _matrixgen_cell(session: nox.Session, cell_id: str, packages: list[str]) -> None:
    # matrixgen run starts the services the cell needs, runs it, and writes its JUnit file.
    session.install(*_MATRIXGEN_INSTALL, *packages)
    session.run("matrixgen", "run", cell_id)


@nox.session(name="unit", tags=["unit"])
@nox.parametrize(
    ["python", "cell", "packages"],
    [
        nox.param(
            "3.10",
            "3.10",
            [],
            id="3.10",
            tags=["3.10", "python=3.10"],
        ),
        nox.param(
            "3.11",
            "3.11",
            [],
            id="3.11",
            tags=["3.11", "python=3.11"],
        ),
        nox.param(
            "3.12",
            "3.12",
            [],
            id="3.12",
            tags=["3.12", "python=3.12"],
        ),
        nox.param(
            "3.13",
            "3.13",
            [],
            id="3.13",
            tags=["3.13", "python=3.13"],
        ),
    ],
)
def unit(session: nox.Session, cell: str, packages: list[str]) -> None:
    "Unit"
    _matrixgen_cell(session, "unit/" + cell, packages)


@nox.session(name="integration", tags=["integration"])
@nox.parametrize(
    ["python", "cell", "packages"],
    [
        nox.param(
            "3.11",
            "config",
            [],
            id="config",
            tags=["config", "area=config", "3.11", "python=3.11"],
        ),
        nox.param(
            "3.11",
            "render",
            [],
            id="render",
            tags=["render", "area=render", "3.11", "python=3.11"],
        ),
        nox.param(
            "3.11",
            "run",
            ["moto[server]"],
            id="run",
            tags=["run", "area=run", "3.11", "python=3.11"],
        ),
        nox.param(
            "3.11",
            "results",
            [],
            id="results",
            tags=["results", "area=results", "3.11", "python=3.11"],
        ),
        nox.param(
            "3.11",
            "shard",
            [],
            id="shard",
            tags=["shard", "area=shard", "3.11", "python=3.11"],
        ),
        nox.param(
            "3.11",
            "examples",
            [],
            id="examples",
            tags=["examples", "area=examples", "3.11", "python=3.11"],
        ),
    ],
)
def integration(session: nox.Session, cell: str, packages: list[str]) -> None:
    "Integration"
    _matrixgen_cell(session, "integration/" + cell, packages)


# matrixgen:sessions:end

# Your own sessions go below; matrixgen render never touches them.
