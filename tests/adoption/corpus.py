"""The adoption corpus: real projects' CI matrices, each beside its matrix.yaml.

Each folder holds `original.yml` (the `strategy.matrix` of each matrix job of the
project's workflow, keyed by job id, with the source in a comment) and `matrix.yaml`
(the same jobs written with matrixgen's documented features). An `Adoption` says how the
two name things, so that a job of the original and a cell of matrixgen can be compared
as sets of `axis=value` pairs.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support import yamls

from .github_matrix import expand

HERE = Path(__file__).parent

Pairs = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Adoption:
    folder: str
    levels: Mapping[str, str]  # original job id -> matrixgen level
    # Original matrix keys named otherwise in matrix.yaml (key -> axis).
    axes: Mapping[str, str] = field(default_factory=dict)
    # Original values that are not matrixgen names (axis -> original text -> value).
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # A key that names the runner, not a cell: (key, how `runs-on` is made of it). The
    # generated job of each cell must run on that label.
    runner: tuple[str, str] | None = None
    # Whether that key is also an axis of matrix.yaml (its values carry their `runs-on`).
    runner_axis: bool = False
    # A key that only names the job (`name: ${{ matrix.name }}`), not a cell.
    name_key: str | None = None
    # Keys that follow from another axis's value: key -> (axis, env variable of that
    # axis's values in matrix.yaml that holds the key's value).
    derived: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # Keys whose values are lists, shown by the workflow with their items joined by a
    # separator, as `join(matrix.db, '-')` shows them (key -> separator).
    joined: Mapping[str, str] = field(default_factory=dict)
    # Keys whose list values are one value of several axes of matrix.yaml, item by item
    # (key -> axes): aiomysql's `db: [mysql, '8.0']` is server=mysql, version=8.0.
    split: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The original's job `name:` per job id, as a format string over its matrix keys (list
    # values joined as `joined` says). A job without one is named by GitHub "<job id>
    # (<each value>, ...)": "postgres ({python-version}, {postgres-version})".
    names: Mapping[str, str] = field(default_factory=dict)
    # Whether matrix.yaml pins every action to a commit (zizmor then reports nothing).
    pinned: bool = False

    @property
    def root(self) -> Path:
        return HERE / self.folder

    def original(self) -> dict[str, dict[str, Any]]:
        loaded: dict[str, dict[str, Any]] = yamls.load(
            (self.root / "original.yml").read_text(encoding="utf-8")
        )
        return loaded

    def matrix_file(self) -> dict[str, Any]:
        loaded: dict[str, Any] = yamls.load((self.root / "matrix.yaml").read_text(encoding="utf-8"))
        return loaded

    def github_jobs(self) -> dict[str, list[Pairs]]:
        """GitHub's jobs of each original matrix, per matrixgen level, as axis=value pairs."""
        return {
            self.levels[job]: [self.pairs(entry) for entry in expand(matrix)]
            for job, matrix in self.original().items()
        }

    def texts(self, job: Mapping[str, Any]) -> dict[str, str]:
        """One GitHub job's matrix values as the workflow's expressions print them."""
        return {
            key: self.joined[key].join(value) if key in self.joined else text_of(value)
            for key, value in job.items()
        }

    def pairs(self, job: Mapping[str, Any]) -> Pairs:
        """One GitHub job as matrixgen would name it: renamed keys and values, the runner
        key and the derived keys left out (the tests check those apart)."""
        left_out = set(self.derived) | ({self.name_key} if self.name_key else set())
        if self.runner and not self.runner_axis:
            left_out.add(self.runner[0])
        named = set()
        for key, text in self.texts(job).items():
            if key in left_out:
                continue
            if key in self.split:
                named.update(zip(self.split[key], map(text_of, job[key]), strict=True))
                continue
            axis = self.axes.get(key, key)
            named.add((axis, self.values.get(axis, {}).get(text, text)))
        return frozenset(named)

    def job_names(self) -> dict[str, Counter[tuple[Pairs, str]]]:
        """Per matrixgen level, each original job (as pairs) with the name GitHub shows for
        it (and branch protection lists), for the jobs `names` gives."""
        return {
            self.levels[job]: Counter(
                (self.pairs(entry), self.names[job].format_map(self.texts(entry)))
                for entry in expand(matrix)
            )
            for job, matrix in self.original().items()
            if job in self.names
        }

    def runners(self) -> dict[str, Counter[tuple[Pairs, str]]]:
        """Per matrixgen level, each original job (as pairs) with the runner label it asks for."""
        if self.runner is None:
            return {}
        key, label = self.runner
        return {
            self.levels[job]: Counter(
                (self.pairs(entry), label.format(text_of(entry[key]))) for entry in expand(matrix)
            )
            for job, matrix in self.original().items()
            if all(key in entry for entry in expand(matrix))
        }

    def derived_mismatches(self) -> list[str]:
        """Derived keys whose original value differs from the env matrix.yaml gives the
        cell's value of the axis they follow."""
        axes = self.matrix_file()["axes"]
        wrong = []
        for job, matrix in self.original().items():
            for entry in expand(matrix):
                for key, (axis, variable) in self.derived.items():
                    if key not in entry:
                        continue
                    value = text_of(entry[axis])
                    declared = axes[axis]["values"][value]["env"][variable]
                    if declared != text_of(entry[key]):
                        wrong.append(f"{job}: {axis}={value} has {variable}={declared}, not {key}")
        return wrong


def text_of(value: Any) -> str:
    """A matrix value as text: strings as they are, anything else as JSON (3.1, true)."""
    return value if isinstance(value, str) else json.dumps(value)


def cells_by_level(listing: str) -> dict[str, list[Pairs]]:
    """`matrixgen list --json` output, as each level's cells' axis=value pairs."""
    levels: dict[str, list[Pairs]] = {}
    for cell in json.loads(listing):
        levels.setdefault(cell["level"], []).append(frozenset(cell["values"].items()))
    return levels


def as_counts(jobs: Mapping[str, list[Pairs]]) -> dict[str, Counter[Pairs]]:
    """Multisets, so that a duplicated job is a difference too."""
    return {level: Counter(entries) for level, entries in jobs.items()}


CORPUS = [
    # Service containers on fixed ports, an exclude, a free-threaded Python, per-value
    # commands and env; actions pinned to commits.
    Adoption(
        "dramatiq",
        levels={"test": "test"},
        runner=("os", "{}"),
        pinned=True,
    ),
    # A product with excludes and includes that add pre-release combinations.
    Adoption(
        "django-redis",
        levels={"test": "test"},
        axes={"python-version": "python", "django-version": "django", "redis-version": "redis-py"},
    ),
    # A service container whose image tag is a matrix value; includes extend one Python.
    Adoption(
        "arq",
        levels={"test": "test"},
        runner=("os", "{}-latest"),
    ),
    # Three operating systems as a matrix variable.
    Adoption(
        "taskiq",
        levels={"pytest": "pytest"},
        axes={"py_version": "python", "pydantic_ver": "pydantic"},
        values={"pydantic": {"<2": "v1", ">=2.5,<3": "v2"}},
    ),
    # One job per operating system, and an include-only matrix of broker versions.
    Adoption(
        "aiokafka",
        levels={"test-windows": "windows", "test-mac": "mac", "test-linux": "linux"},
        derived={"scala": ("kafka", "SCALA_VERSION")},
    ),
    # A PostgreSQL server axis with the service container's image tag taken from it, five
    # jobs with their own requirement files, one that only lints.
    Adoption(
        "piccolo",
        levels={job: job for job in ("linters", "integration", "postgres", "cockroach", "sqlite")},
        axes={
            "python-version": "python",
            "postgres-version": "postgres",
            "cockroachdb-version": "cockroachdb",
        },
        names={
            "linters": "linters ({python-version})",
            "integration": "integration ({python-version}, {postgres-version})",
            "postgres": "postgres ({python-version}, {postgres-version})",
            "cockroach": "cockroach ({python-version}, {cockroachdb-version})",
            "sqlite": "sqlite ({python-version})",
        },
    ),
    # A service container whose whole image (MySQL or MariaDB, and its version) is a matrix
    # value, a list the workflow joins (two axes here); jobs named from their values.
    Adoption(
        "aiomysql",
        levels={"tests": "tests"},
        axes={"py": "python"},
        joined={"db": "-"},
        split={"db": ("server", "version")},
        runner=("os", "{}"),
        names={"tests": "🧪 🐍{py} @ {os} on {db}"},
    ),
    # An include-only matrix of chosen jobs, each named by a matrix key and on a runner of
    # its own (Windows, macOS, an older Ubuntu for Python 3.7); tox run through uv.
    Adoption(
        "boltons",
        levels={"tests": "tests"},
        runner=("os", "{}"),
        runner_axis=True,
        name_key="name",
        names={"tests": "{name}"},
        derived={"tox": ("python", "TOX_ENV")},
        pinned=True,
    ),
    # Pythons computed on CI (from the package's classifiers), tox through uv, a job on
    # Linux and Windows that writes no JUnit; actions pinned.
    Adoption(
        "structlog",
        levels={"tests": "tests", "install-dev": "install-dev"},
        axes={"python-version": "python"},
        runner=("os", "{}"),
        runner_axis=True,
        # install-dev's two jobs share one name there, which matrixgen refuses.
        names={"tests": "Tests & Mypy API on {python-version}"},
        pinned=True,
    ),
]
