"""How generated things are named after a level or a cell, in one place.

Render (`render.*`), the workflow's run-time plan (`plan`) and validate (`load.clashes`,
which reports two things that would get one name) all name them through these functions.
"""

from __future__ import annotations

import builtins
import keyword
import re

from matrixgen.load.cells import Cell
from matrixgen.load.placeholders import substitute

# Job ids of the workflow's own jobs (`render.github`): no level may take them.
GATE_JOB = "gate"
PLAN_JOB = "plan"


def job_id(level: str) -> str:
    """The GitHub job id of a level's job. GitHub compares job ids ignoring case."""
    # Job ids: a letter or '_' first, then letters, digits, '-' and '_'.
    name = re.sub(r"[^A-Za-z0-9_-]", "_", level)
    return name if re.match(r"[A-Za-z_]", name) else f"level_{name}"


def env_name(axis: str) -> str:
    """The variable that holds a cell's value of `axis`: `MATRIXGEN_<AXIS>`, in `matrixgen
    run`'s env and in a compose profile's env file."""
    return "MATRIXGEN_" + re.sub(r"[^A-Z0-9_]", "_", axis.upper())


def artifact_name(cell: Cell) -> str:
    """The CI artifact of one cell's results; artifact names may not contain '/'."""
    return f"{cell.level}-{cell.name}"


def shard_artifact_name(level: str, number: int) -> str:
    """The CI artifact of the results of shard `number` (from 1) of a sharded level."""
    return f"{level}-shard-{number}"


# Names the generated region of noxfile.py defines or uses (templates/nox-sessions.py.j2).
TEMPLATE_NAMES = frozenset(
    {"nox", "session", "cell", "cell_id", "packages", "_matrixgen_cell", "_MATRIXGEN_INSTALL"}
    | {"hashlib", "json", "os", "_matrixgen_install", "_matrixgen_inputs"}
)
# dir(builtins) depends on the Python version and on `site`; the generated file must not,
# so the names that newer versions and `site` add are listed as well.
_BUILTINS = frozenset(dir(builtins)) | {
    "aiter",
    "anext",
    "EncodingWarning",
    "BaseExceptionGroup",
    "ExceptionGroup",
    "PythonFinalizationError",
    "copyright",
    "credits",
    "exit",
    "help",
    "license",
    "quit",
}
_SOFT_KEYWORDS = frozenset(keyword.softkwlist) | {"_", "case", "match", "type"}
_TAKEN = frozenset(keyword.kwlist) | _SOFT_KEYWORDS | _BUILTINS | TEMPLATE_NAMES


def function_name(level: str) -> str:
    """The Python function of a level's nox session: `level_` before any name that would
    shadow a keyword, a builtin, a name of the template, or a dunder of the module."""
    name = re.sub(r"\W", "_", level)
    if name[0].isdigit() or name.startswith("_") or name in _TAKEN:
        return f"level_{name}"
    return name


def profile_path(pattern: str, cell: Cell) -> str:
    """Where a cell's compose profile goes: `outputs.compose` with its placeholders filled."""
    return substitute(pattern, {"level": cell.level, "suite": cell.suite, "cell": cell.name})


def compose_project(base: str, cell: Cell) -> str:
    """The compose project of a cell's profile, `NAME-LEVEL-CELL`: lowercase letters, digits,
    '-' and '_', a letter or digit first (compose's rule)."""
    name = re.sub(r"[^a-z0-9_-]+", "-", f"{base}-{cell.level}-{cell.name}".lower()).strip("-_")
    return name or "matrix"


def _stem(profile: str) -> str:
    for suffix in (".yml", ".yaml"):
        if profile.endswith(suffix):
            return profile[: -len(suffix)]
    return profile


def profile_env_path(profile: str) -> str:
    """The cell's env file, next to its profile: `gcs-lww.yml` -> `gcs-lww.env`."""
    return _stem(profile) + ".env"


def tester_overlay_path(profile: str) -> str:
    """What the profile adds to its tester, next to it: `gcs-lww.yml` -> `gcs-lww.tester.yml`."""
    return _stem(profile) + ".tester.yml"
