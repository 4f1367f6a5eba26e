"""The outputs registry: every kind of file `render` writes, declared once.

An entry says under which key of `outputs:` it is set and the model of that setting, which
files it writes (one file, or a path pattern per cell), and its own checks, before and
after expansion. Every guarantee reads the registry, never a list of its own: the keys
allowed under `outputs:` (with did-you-mean) and the JSON Schema (`models`), the paths no
output may take (matrix.yaml itself, a file it reads, another output's: `load.clashes`,
`load.outputs`), and render's pairing of each output with its renderer
(`render.RENDERERS`). A new target is an entry here with its model and checks, a renderer
and its templates (pre-commit's `all_languages`, which `clientlib` validates against, and
tox's `REGISTER` work this way).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, create_model

from matrixgen.errors import Problem
from matrixgen.load import clashes
from matrixgen.load.cells import Cell
from matrixgen.load.document import Document, PathKey, format_path
from matrixgen.load.github.model import GithubOutput
from matrixgen.load.gitlab.model import GitlabOutput
from matrixgen.load.model import DocsOutput, MatrixFile, Outputs
from matrixgen.load.paths import normalized, read_files

Paths = Callable[[Any], Iterable[tuple[PathKey, str]]]  # setting -> (key path in it, path)
Checks = Callable[[Document, MatrixFile], Iterable[Problem]]
# After expansion, with the paths no output may write (normalized path -> what it is).
CellChecks = Callable[[Document, MatrixFile, Sequence[Cell], Mapping[str, str]], Iterable[Problem]]


def _none(_setting: Any) -> Iterable[tuple[PathKey, str]]:
    return ()


def _no_checks(_doc: Document, _model: MatrixFile) -> Iterable[Problem]:
    return ()


def _no_cell_checks(
    _doc: Document, _model: MatrixFile, _cells: Sequence[Cell], _taken: Mapping[str, str]
) -> Iterable[Problem]:
    return ()


@dataclass(frozen=True)
class Target:
    key: str  # under `outputs:`
    model: Any  # the type of its setting (a string path, or a pydantic model)
    files: Paths = _none  # the files it writes, each whole or a region
    patterns: Paths = _none  # path patterns filled per cell (`${level}/${cell}`)
    checks: Checks = _no_checks  # before expansion, when it is set
    cell_checks: CellChecks = _no_cell_checks  # after expansion, when it is set
    description: str = ""
    installs: bool = False  # its files install `outputs.matrixgen` (a nox session, a CI job)


TARGETS: dict[str, Target] = {}


def register(target: Target) -> Target:
    TARGETS[target.key] = target
    models.cache_clear()
    return target


def unregister(key: str) -> None:
    TARGETS.pop(key, None)
    models.cache_clear()


def _field(key: str) -> str | None:
    """The attribute of `Outputs` that holds `key` (`schema` is `schema_file`)."""
    for name, info in Outputs.model_fields.items():
        if (info.alias or name) == key:
            return name
    return None


def setting(model: MatrixFile, key: str) -> Any:
    """What matrix.yaml sets for output `key`; None when it is left out."""
    name = _field(key)
    return getattr(model.outputs, name if name is not None else key, None)


@functools.cache
def models() -> tuple[type[Outputs], type[MatrixFile]]:
    """The models of `outputs:` and of matrix.yaml as the registry makes them: the built-in
    outputs are fields of `Outputs` itself; a registered target that is not gets a field
    of its own in a subclass (so its key is allowed, typed, and in the schema)."""
    extra: dict[str, Any] = {
        target.key: (target.model | None, Field(None, description=target.description))
        for target in TARGETS.values()
        if _field(target.key) is None
    }
    if not extra:
        return Outputs, MatrixFile
    outputs = create_model("Outputs", __base__=Outputs, **extra)
    matrix = create_model(
        "MatrixFile",
        __base__=MatrixFile,
        outputs=(outputs, Field(default_factory=outputs.model_construct)),
    )
    return outputs, matrix


def _set(model: MatrixFile) -> Iterator[tuple[Target, Any]]:
    for target in TARGETS.values():
        value = setting(model, target.key)
        if value is not None:
            yield target, value


def installing(model: MatrixFile) -> list[str]:
    """The keys of the outputs set in matrix.yaml whose files install matrixgen."""
    return [target.key for target, _value in _set(model) if target.installs]


def written_files(model: MatrixFile) -> Iterator[tuple[PathKey, str]]:
    """(key path, file) of every file an output set in matrix.yaml writes whole."""
    for target, value in _set(model):
        for where, path in target.files(value):
            yield ("outputs", target.key, *where), path


def written_patterns(model: MatrixFile) -> Iterator[tuple[PathKey, str]]:
    """(key path, pattern) of every per-cell path an output set in matrix.yaml fills."""
    for target, value in _set(model):
        for where, path in target.patterns(value):
            yield ("outputs", target.key, *where), path


def fixed_paths(doc: Document, model: MatrixFile) -> dict[str, str]:
    """Files matrix.yaml reads or is, by normalized path: no output may be written there."""
    taken = {normalized(Path(doc.file).name): "the matrix file itself"}
    for where, path, what in read_files(model):
        taken.setdefault(normalized(path), f"the {what} of {format_path(where[:2])}")
    return taken


def taken_paths(doc: Document, model: MatrixFile) -> dict[str, str]:
    """`fixed_paths` and every file an output writes whole: what a per-cell path may not be."""
    taken = fixed_paths(doc, model)
    for where, path in written_files(model):
        taken.setdefault(normalized(path), f"also written by {format_path(where)}")
    return taken


def check_targets(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    """Each output's file is its own (not matrix.yaml, not a file it reads, not another
    output's), then each set output's own checks."""
    taken = fixed_paths(doc, model)
    for where, path in written_files(model):
        if normalized(path) in taken:
            yield doc.problem(
                where,
                f"{path} is {taken[normalized(path)]}; give each output a file of its own",
            )
        taken.setdefault(normalized(path), f"also written by {format_path(where)}")
    for target, _value in _set(model):
        yield from target.checks(doc, model)


def check_target_cells(
    doc: Document, model: MatrixFile, cells: Sequence[Cell]
) -> Iterator[Problem]:
    taken = taken_paths(doc, model)
    for target, _value in _set(model):
        yield from target.cell_checks(doc, model, cells, taken)


def _check_gitlab(doc: Document, model: MatrixFile) -> Iterable[Problem]:
    # Its checks and job planning are imported by the matrices that set outputs.gitlab only
    # (an entry's checks run when its output is set): every load imports the registry.
    from matrixgen.load.gitlab.checks import check_gitlab

    return check_gitlab(doc, model)


def _check_gitlab_cells(
    doc: Document, model: MatrixFile, cells: Sequence[Cell], taken: Mapping[str, str]
) -> Iterable[Problem]:
    from matrixgen.load.gitlab.checks import check_gitlab_cells

    return check_gitlab_cells(doc, model, cells, taken)


def _register_builtins() -> None:
    def whole(setting: str) -> Iterable[tuple[PathKey, str]]:
        return [((), setting)]

    def in_file(setting: GithubOutput | GitlabOutput | DocsOutput) -> Iterable[tuple[PathKey, str]]:
        return [(("file",), setting.file)]

    register(Target("nox", str, files=whole, checks=clashes.check_nox_names, installs=True))
    register(Target("compose", str, patterns=whole, cell_checks=clashes.check_profile_names))
    register(
        Target(
            "github",
            GithubOutput,
            files=in_file,
            checks=clashes.check_github_names,
            cell_checks=clashes.check_artifact_names,
            installs=True,
        )
    )
    register(
        Target(
            "gitlab",
            GitlabOutput,
            files=in_file,
            checks=_check_gitlab,
            cell_checks=_check_gitlab_cells,
            installs=True,
        )
    )
    register(Target("docs", DocsOutput, files=in_file))
    register(Target("schema", str, files=whole))


_register_builtins()
