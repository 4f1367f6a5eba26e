"""`matrixgen render`: matrix → outputs in memory → compare with disk → write or check.

One module per target (nox_sessions, compose, github, docs, schema) behind `target.Target`;
`writer` owns every decision about the disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from matrixgen.render.target import RenderContext, Rendered, Target

if TYPE_CHECKING:
    from matrixgen.load.matrix import Matrix


def targets() -> list[Target]:
    from matrixgen.render.compose import ComposeTarget
    from matrixgen.render.docs import DocsTarget
    from matrixgen.render.github import GithubTarget
    from matrixgen.render.nox_sessions import NoxTarget
    from matrixgen.render.schema import SchemaTarget

    return [NoxTarget(), ComposeTarget(), GithubTarget(), DocsTarget(), SchemaTarget()]


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
