"""Job images whose `${axis}` placeholders each cell's values fill: GitHub's job containers
(`github.container`) and GitLab's job images (`gitlab.image`, or the container), checked by
one rule on either target: where the image is written, a name that is no axis, and the cell
that has no value of an axis it names."""

from __future__ import annotations

from matrixgen.errors import did_you_mean
from matrixgen.load.cells import Cell
from matrixgen.load.document import Document, PathKey
from matrixgen.load.model import MatrixFile
from matrixgen.load.placeholders import names


def image_key(doc: Document, where: PathKey) -> PathKey:
    """Where the image of a container said at `where` is written: its `image:` key, or the
    container's own (the short form, `container: python:3.6`)."""
    return (*where, "image") if (*where, "image") in doc.marks else where


def unfilled(template: str, model: MatrixFile, cell: Cell) -> str | None:
    """The first declared axis the image names that the cell has no value of."""
    return next((n for n, _ in names(template) if n in model.axes and n not in cell.values), None)


def unknown_axis_problem(template: str, name: str, model: MatrixFile, *, container: bool) -> str:
    """`${name}` in the image names no axis; `container`: a GitHub job container's image."""
    whose = "a job container's image" if container else "an image"
    return (
        f"unknown axis '{name}' in image '{template}'{did_you_mean(name, model.axes)}; "
        f"{whose} names the cell's axes: {', '.join(model.axes) or 'none declared'}"
    )


def unfilled_problem(template: str, axis: str, cell: Cell, *, container: bool) -> str:
    """The cell has no value of `axis`, which its image names; `container`: the image is a
    GitHub job container's (the workflow needs the fix as much as the pipeline)."""
    own, key = (
        ("a container", "github: {container: ...}")
        if container
        else ("an image", "gitlab: {image: ...}")
    )
    return (
        f"image '{template}' names ${{{axis}}}, and cell {cell.id} has no value of '{axis}'; "
        f"give the cell's level or suite {own} of its own (`{key}`) or a value of the axis"
    )
