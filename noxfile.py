"""Nox sessions.

matrixgen render owns the region between the matrixgen:sessions markers: one session per
level of matrix.yaml, e.g. nox -s "unit(3.10)", nox -t unit. Everything else here is yours.
"""

# matrixgen:sessions:start (digest 1d701e7cc680) generated from matrix.yaml; edit that, not this
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
    # Arguments after `--` (nox -s "unit(3.10)" -- -k name) go on to the cell's command.
    if not _MATRIXGEN:
        session.error(
            "matrixgen is not installed in nox's environment; install it beside nox: "
            "pip install nox '-e .'"
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
    ["python", "cell"],
    [
        nox.param(
            "3.10",
            "3.10",
            id="3.10",
            tags=["3.10", "python=3.10"],
        ),
        nox.param(
            "3.11",
            "3.11",
            id="3.11",
            tags=["3.11", "python=3.11"],
        ),
        nox.param(
            "3.12",
            "3.12",
            id="3.12",
            tags=["3.12", "python=3.12"],
        ),
        nox.param(
            "3.13",
            "3.13",
            id="3.13",
            tags=["3.13", "python=3.13"],
        ),
    ],
)
def unit(session: nox.Session, cell: str) -> None:
    "Unit — by Python"
    _matrixgen_cell(session, "unit/" + cell)


@nox.session(name="integration", tags=["integration"], venv_backend="none")
@nox.parametrize(
    ["python", "cell"],
    [
        nox.param(
            "3.11",
            "config",
            id="config",
            tags=["config", "area=config", "3.11", "python=3.11"],
        ),
        nox.param(
            "3.11",
            "render",
            id="render",
            tags=["render", "area=render", "3.11", "python=3.11"],
        ),
        nox.param(
            "3.11",
            "run",
            id="run",
            tags=["run", "area=run", "3.11", "python=3.11"],
        ),
        nox.param(
            "3.11",
            "results",
            id="results",
            tags=["results", "area=results", "3.11", "python=3.11"],
        ),
        nox.param(
            "3.11",
            "shard",
            id="shard",
            tags=["shard", "area=shard", "3.11", "python=3.11"],
        ),
        nox.param(
            "3.11",
            "compose",
            id="compose",
            tags=["compose", "area=compose", "3.11", "python=3.11"],
        ),
    ],
)
def integration(session: nox.Session, cell: str) -> None:
    "Integration — by Area, with Python: 3.11"
    _matrixgen_cell(session, "integration/" + cell)


@nox.session(name="example", tags=["example"], venv_backend="none")
@nox.parametrize(
    ["python", "cell"],
    [
        nox.param(
            "3.11",
            "example",
            id="example",
            tags=["3.11", "python=3.11"],
        ),
    ],
)
def example(session: nox.Session, cell: str) -> None:
    "Bundled example — with Python: 3.11"
    _matrixgen_cell(session, "example/" + cell)


# matrixgen:sessions:end

# Your own sessions go below; matrixgen render never touches them.
