"""The image each cell's GitLab job runs in (GitLab's Docker executor).

A cell's image is the `gitlab.image` of its suite, else of its level, else of one of its
values, else (on a Docker executor: `outputs.gitlab.image` is set) its GitHub job container
(`github.container`: one declaration for both targets), else `outputs.gitlab.image`; its
`${axis}` placeholders are the cell's values, filled as a service's `github.image` is
(`service_values.fill_values`), so `python:${python}-slim` gives each Python its image,
the GitLab idiom that GitHub's setup-python stands for. Jobs are split by image
(`jobs.level_jobs`), each `image:` a literal name. The checks here are those the schema
cannot express, each at its key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from matrixgen.errors import Problem
from matrixgen.load.cells import Cell
from matrixgen.load.document import Document, PathKey, format_path
from matrixgen.load.github.checks import PYTHON_AXIS, container_setting, level_and_suite
from matrixgen.load.gitlab.model import GitlabOutput
from matrixgen.load.images import image_key, unfilled_problem, unknown_axis_problem
from matrixgen.load.model import MatrixFile
from matrixgen.load.placeholders import names
from matrixgen.load.service_values import fill_values

# A python value `${python}` may fill: a CPython version, as the python image tags it.
# 3.14t, 3.15-dev and pypy3.10 are not tags of python:<version> (PyPy is pypy:3.10).
IMAGE_TAG_PYTHON = re.compile(r"\d+\.\d+(\.\d+)?")
# A Docker image reference: [registry[:port]/]path[:tag][@digest] (distribution/reference).
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?))*(?::[0-9]+)?"  # noqa: E501
_PATH = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REFERENCE = re.compile(
    rf"(?:{_DOMAIN}/)?{_PATH}(?:/{_PATH})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?"
)


@dataclass(frozen=True)
class ImageSetting:
    where: PathKey  # the key that says it
    template: str


def image_setting(model: MatrixFile, gitlab: GitlabOutput, cell: Cell) -> ImageSetting | None:
    """Where the cell's image is said, and what it says (None: the runner's own)."""
    level, suite = level_and_suite(model, cell)
    if suite is not None and suite.gitlab is not None:
        where: PathKey = ("levels", cell.level, "suites", cell.suite, "gitlab", "image")
        return ImageSetting(where, suite.gitlab.image)
    if level.gitlab is not None:
        return ImageSetting(("levels", cell.level, "gitlab", "image"), level.gitlab.image)
    for where, image in _value_images(model, cell):  # two that differ: a validate error
        return ImageSetting(where, image)
    if gitlab.image is not None:
        # A GitHub job container is the image every step of the cell's job runs in: on a
        # Docker executor (outputs.gitlab.image says there is one) it is the job's image.
        container = container_setting(model, cell)
        if container is not None:
            return ImageSetting((*container[0], "image"), container[1].image)
        return ImageSetting(("outputs", "gitlab", "image"), gitlab.image)
    return None


# What a GitHub job container's `env:` gives the GitLab job whose image it is, as its
# variables: not the names GitLab or a cell's job sets itself, nor a value GitHub would
# expand (`${{ secrets.X }}`), which GitLab would pass as written (validate says so).
GITLAB_OWN_ENV = re.compile(r"(CI_|GITLAB_|CELL$)", re.IGNORECASE)


def carried_env(name: str, value: str) -> bool:
    """Whether a job container's env entry is its GitLab job's variable too."""
    return not GITLAB_OWN_ENV.match(name) and "${{" not in value


def container_env(model: MatrixFile, gitlab: GitlabOutput, cell: Cell) -> dict[str, str]:
    """The cell's GitHub job container's env that its GitLab job gets (`carried_env`), where
    that container is the job's image; else none."""
    setting = image_setting(model, gitlab, cell)
    found = container_setting(model, cell)
    if setting is None or found is None or setting.where != (*found[0], "image"):
        return {}
    return {name: value for name, value in found[1].env.items() if carried_env(name, value)}


def _value_images(model: MatrixFile, cell: Cell) -> Iterator[tuple[PathKey, str]]:
    for axis, value in cell.values.items():
        declared = model.axes.get(axis)
        entry = declared.values.get(value) if declared else None
        if entry is not None and entry.gitlab is not None:
            yield ("axes", axis, "values", value, "gitlab", "image"), entry.gitlab.image


def cell_image(model: MatrixFile, gitlab: GitlabOutput, cell: Cell) -> str | None:
    setting = image_setting(model, gitlab, cell)
    return None if setting is None else fill_values(setting.template, cell)


def pipeline_image(model: MatrixFile, gitlab: GitlabOutput, cells: Sequence[Cell]) -> str | None:
    """The image of the jobs that are no cell's (the gate, `matrix diff`): outputs.gitlab.image,
    and where it names axes, that of the cell of the newest Python it fills (else the
    first cell's): matrixgen needs Python 3.10 or later."""
    if gitlab.image is None or not any(True for _ in names(gitlab.image)):
        return gitlab.image
    filled = [
        (cell, setting.template)
        for cell in cells
        if (setting := image_setting(model, gitlab, cell)) is not None
        and setting.where == ("outputs", "gitlab", "image")
    ]
    if not filled:
        return None

    def newest(index: int) -> tuple[tuple[int, ...], int]:
        python = filled[index][0].python or ""
        version = python if IMAGE_TAG_PYTHON.fullmatch(python) else ""
        return tuple(int(part) for part in version.split(".") if part), -index

    cell, template = filled[max(range(len(filled)), key=newest)]
    return fill_values(template, cell)


def check_images(
    doc: Document, model: MatrixFile, gitlab: GitlabOutput, cells: Sequence[Cell]
) -> Iterator[Problem]:
    """Each image names axes only, the cell has a value of each, `${python}` fills a
    version that is an image tag, the filled name is an image reference; an image of a
    value, level or suite needs a Docker executor, which outputs.gitlab.image says; a cell's
    values name one image."""
    reported: set[PathKey] = set()

    def once(where: PathKey, message: str) -> Iterator[Problem]:
        if where not in reported:
            reported.add(where)
            yield doc.problem(where, message)

    if gitlab.image is None:
        for cell in cells:
            setting = image_setting(model, gitlab, cell)
            if setting is not None:
                yield from once(
                    setting.where,
                    f"cell {cell.id} would run in image '{setting.template}', and the pipeline "
                    "runs its other jobs on the runner itself (a shell executor: "
                    "outputs.gitlab has no image); set outputs.gitlab.image, the image of "
                    "every other job, for GitLab's Docker executor",
                )
    for cell in cells:
        images = list(_value_images(model, cell))
        for where, image in images[1:]:
            if image != images[0][1]:
                yield from once(
                    where,
                    f"cell {cell.id} would run in image '{images[0][1]}' (at "
                    f"{format_path(images[0][0])}) and in '{image}': a job has one image; "
                    "set it on the level (`levels.X.gitlab.image` wins) or on one value",
                )
        setting = image_setting(model, gitlab, cell)
        if setting is None:
            continue
        problem = _fill_problem(model, cell, setting)
        if problem is not None:
            where = setting.where
            if where[-2:] == ("container", "image"):  # a short-form container has no `image:`
                where = image_key(doc, where[:-1])
            yield from once(where, problem)


def _fill_problem(model: MatrixFile, cell: Cell, setting: ImageSetting) -> str | None:
    template = setting.template
    for name, _offset in names(template):
        if name not in model.axes:
            return unknown_axis_problem(template, name, model, container=False)
        if name not in cell.values:
            container = setting.where[-2:] == ("container", "image")
            return unfilled_problem(template, name, cell, container=container)
    python = cell.values.get(PYTHON_AXIS)
    if "${" + PYTHON_AXIS + "}" in template and python and not IMAGE_TAG_PYTHON.fullmatch(python):
        return (
            f"cell {cell.id}'s Python '{python}' is no image tag as ${{python}} fills one "
            "(a CPython version such as 3.13: free-threaded, pre-release and PyPy builds are "
            "other images); give the value an image of its own: "
            f'axes.python.values."{python}".gitlab.image'
        )
    image = fill_values(template, cell)
    if not REFERENCE.fullmatch(image):
        return (
            f"image '{image}' (of cell {cell.id}) is not a Docker image name "
            "([registry/]name[:tag][@digest]: lower-case path, tag of letters, digits, "
            "'_', '.', '-'); fix the image or the value that fills it"
        )
    return None
