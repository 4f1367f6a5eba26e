"""Nox sessions.

matrixgen render owns the region between the matrixgen:sessions markers: one session per
level of matrix.yaml, e.g. nox -s "unit(3.10)", nox -t unit. Everything else here is yours.
"""

# matrixgen:sessions:start (digest 1b39c6fd1b03) generated from matrix.yaml; edit that, not this
import hashlib
import json
import os

import nox

_MATRIXGEN_INSTALL = ["-e", ".", "-e", ".[dev]"]


def _matrixgen_cell(session: nox.Session, cell_id: str, packages: list[str]) -> None:
    # matrixgen run starts the services the cell needs, runs it, and writes its JUnit file.
    # Arguments after `--` (nox -s "unit(3.10)" -- -k name) go on to the cell's command.
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
    "Unit — by Python"
    _matrixgen_cell(session, "unit/" + cell, packages)


@nox.session(name="integration", tags=["integration"], reuse_venv=True)
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
            "compose",
            [],
            id="compose",
            tags=["compose", "area=compose", "3.11", "python=3.11"],
        ),
    ],
)
def integration(session: nox.Session, cell: str, packages: list[str]) -> None:
    "Integration — by Area, with Python: 3.11"
    _matrixgen_cell(session, "integration/" + cell, packages)


@nox.session(name="example", tags=["example"], reuse_venv=True)
@nox.parametrize(
    ["python", "cell", "packages"],
    [
        nox.param(
            "3.11",
            "example",
            [],
            id="example",
            tags=["3.11", "python=3.11"],
        ),
    ],
)
def example(session: nox.Session, cell: str, packages: list[str]) -> None:
    "Bundled example — with Python: 3.11"
    _matrixgen_cell(session, "example/" + cell, packages)


# matrixgen:sessions:end

# Your own sessions go below; matrixgen render never touches them.
