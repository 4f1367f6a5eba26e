"""`matrixgen render`: matrix → outputs in memory → compare with disk → write or check.

One module per target (nox_sessions, compose, github, gitlab, docs, schema) behind `target.Target`,
paired with the outputs registry (`load.targets`) in `RENDERERS`;
`writer` owns every decision about the disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from matrixgen.render.target import RenderContext, Rendered, Target

if TYPE_CHECKING:
    from matrixgen.load.matrix import Matrix


def _nox() -> Target:
    from matrixgen.render.nox_sessions import NoxTarget

    return NoxTarget()


def _compose() -> Target:
    from matrixgen.render.compose import ComposeTarget

    return ComposeTarget()


def _github() -> Target:
    from matrixgen.render.github import GithubTarget

    return GithubTarget()


def _gitlab() -> Target:
    from matrixgen.render.gitlab import GitlabTarget

    return GitlabTarget()


def _docs() -> Target:
    from matrixgen.render.docs import DocsTarget

    return DocsTarget()


def _schema() -> Target:
    from matrixgen.render.schema import SchemaTarget

    return SchemaTarget()


# The renderer of each output of the registry (`load.targets.TARGETS`), by its key; made
# only when rendering (jinja2 and the targets' modules load then, not at `--help`).
RENDERERS: dict[str, Callable[[], Target]] = {
    "nox": _nox,
    "compose": _compose,
    "github": _github,
    "gitlab": _gitlab,
    "docs": _docs,
    "schema": _schema,
}


def targets() -> list[Target]:
    """A renderer per registered output, in the registry's order."""
    from matrixgen.load.targets import TARGETS

    missing = [key for key in TARGETS if key not in RENDERERS]
    assert not missing, f"outputs without a renderer: {missing}"
    return [RENDERERS[key]() for key in TARGETS]


def render_all(matrix: Matrix) -> list[Rendered]:
    """Every enabled target's outputs, in memory."""
    from matrixgen.render.templating import Templates

    context = RenderContext(matrix, Templates(matrix.root))
    return [target.render(context) for target in targets() if target.enabled(matrix)]


def fix_command(matrix: Matrix) -> str:
    display = matrix.source.display
    return "matrixgen render" if display == "matrix.yaml" else f"matrixgen render -f {display}"


def render_outputs(
    matrix: Matrix, *, check: bool, dry_run: bool, force: bool, echo: Callable[[str], None]
) -> int:
    """Render every configured output; write, or with --check/--dry-run only report. Exit code."""
    from matrixgen.render.writer import plan, settle

    rendered = render_all(matrix)
    if not rendered:
        echo(f"nothing to render: {matrix.source.display} has no `outputs:`")
        return 0
    changes = plan(matrix.root, matrix.source.path.name, rendered, force=force)
    return settle(
        matrix.root, changes, check=check, dry_run=dry_run, fix=fix_command(matrix), echo=echo
    )
