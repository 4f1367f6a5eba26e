"""`matrixgen affected --base REF`: the cells that files changed since REF can affect.

Changed files are what `git diff --name-only` reports between the merge-base of REF and
HEAD and the working tree, plus untracked files that are not ignored: on a pull request
that is the pull request's own change, without what landed on the base branch since; on a
work tree it includes edits not yet committed.

A file selects cells through globs relative to the folder of matrix.yaml:
- matrix.yaml itself and the top-level `paths:` select every cell;
- a level's (or suite's) `paths:` select that level's (or suite's) cells;
- an axis value's `paths:` select the cells with that value.
`*` and `?` stay within one folder, `**` crosses folders, and a trailing `/` means
everything under that folder.

With `--record-unaffected`, each selected cell the change does not affect gets a result
saying so: a not-run JUnit file where `matrixgen run` would write its result, which
`report` shows as not run (not missing) with the reason. A GitLab merge request's cell
job asks this way, since the pipeline lists its jobs before any diff is known.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matrixgen.errors import UsageError

if TYPE_CHECKING:
    from matrixgen.load.cells import Cell
    from matrixgen.load.matrix import Matrix
    from matrixgen.load.model import MatrixFile

EVERY_CELL = "every cell"


@lru_cache(maxsize=512)
def glob_pattern(glob: str) -> re.Pattern[str]:
    """A path glob as a regular expression over '/'-separated relative paths."""
    if glob.endswith("/"):
        glob += "**"
    parts: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            parts.append("(?:.*/)?")  # zero or more folders
            i += 3
        elif glob.startswith("**", i):
            parts.append(".*")
            i += 2
        elif glob[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            parts.append("[^/]")
            i += 1
        elif glob[i] == "[" and "]" in glob[i + 2 :]:
            end = glob.index("]", i + 2)
            inside = glob[i + 1 : end]
            parts.append("[" + ("^" + inside[1:] if inside.startswith("!") else inside) + "]")
            i = end + 1
        else:
            parts.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(parts) + r"\Z")


def matches(path: str, globs: Sequence[str]) -> bool:
    return any(glob_pattern(glob.removeprefix("./")).match(path) for glob in globs)


@dataclass
class Selection:
    cells: list[Cell]  # affected cells, in matrix order
    reasons: dict[str, list[str]] = field(default_factory=dict)  # changed file -> what it selects

    @property
    def unmatched(self) -> list[str]:
        return [path for path, why in self.reasons.items() if not why]


def affected_cells(
    model: MatrixFile, cells: Sequence[Cell], changed: Sequence[str], matrix_file: str
) -> Selection:
    """Which of `cells` the `changed` paths (relative to matrix.yaml's folder) select."""
    chosen: set[str] = set()
    reasons: dict[str, list[str]] = {}
    for path in changed:
        why: list[str] = []
        if path == matrix_file or matches(path, model.paths):
            why.append(EVERY_CELL)
            chosen.update(c.id for c in cells)
        for cell in cells:
            for scope in _scopes_hit(model, cell, path):
                if scope not in why:
                    why.append(scope)
                chosen.add(cell.id)
        reasons[path] = why
    return Selection([c for c in cells if c.id in chosen], reasons)


def _scopes_hit(model: MatrixFile, cell: Cell, path: str) -> list[str]:
    """The scopes of `cell` whose `paths:` match `path`: 'level unit', 'backend=s3', ..."""
    level = model.levels[cell.level]
    hit = [f"level {cell.level}"] if matches(path, level.paths) else []
    suite = level.suites.get(cell.suite) if level.suites else None
    if suite is not None and matches(path, suite.paths):
        hit.append(f"suite {cell.level}/{cell.suite}")
    for axis, value in cell.values.items():
        declared = model.axes.get(axis)
        chosen = declared.values.get(value) if declared is not None else None
        if chosen is not None and matches(path, chosen.paths):
            hit.append(f"{axis}={value}")
    return hit


def git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise UsageError("`matrixgen affected` needs git, and no `git` is on PATH") from None
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()
        raise UsageError(
            f"git {' '.join(args)} failed: {message[-1] if message else done.returncode}"
        )
    return done.stdout


def changed_files(root: Path, base: str) -> tuple[list[str], str]:
    """Paths changed since the merge-base of `base` and HEAD (relative to `root`), and that base."""
    try:
        top = Path(git(root, "rev-parse", "--show-toplevel").strip())
    except UsageError:
        raise UsageError(
            f"{root} is not in a git repository; `matrixgen affected` diffs with git"
        ) from None
    try:
        git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    except UsageError:
        raise UsageError(
            f"--base: unknown git ref '{base}'; fetch it first"
            " (in GitHub Actions: actions/checkout with fetch-depth: 0)"
        ) from None
    try:
        merge_base = git(root, "merge-base", base, "HEAD").strip()
    except UsageError:
        raise UsageError(
            f"--base: '{base}' and HEAD share no history (a shallow clone?);"
            " fetch full history (actions/checkout with fetch-depth: 0)"
        ) from None
    # --no-renames: a renamed file counts at its old path as well as its new one.
    listed = git(top, "diff", "--name-only", "--no-renames", "-z", merge_base, "--")
    listed += git(top, "ls-files", "--others", "--exclude-standard", "-z")
    here = root.resolve()
    paths = []
    for name in dict.fromkeys(p for p in listed.split("\0") if p):
        relative = Path(os.path.relpath(top.resolve() / name, here)).as_posix()
        paths.append(relative)
    return sorted(paths), merge_base


def format_selection(selection: Selection, base: str, merge_base: str, total: int) -> str:
    lines = [
        f"{len(selection.reasons)} files changed since {base} (merge-base {merge_base[:12]},"
        " uncommitted and untracked files included)"
    ]
    width = max((len(p) for p in selection.reasons), default=0)
    for path, why in selection.reasons.items():
        lines.append(f"  {path.ljust(width)}  -> {', '.join(why) or 'no cell'}")
    if not selection.cells:
        lines.append(f"no cells affected (of {total}); nothing to run")
    else:
        lines.append(f"{len(selection.cells)} of {total} cells affected:")
        lines.extend(f"  {cell.id}" for cell in selection.cells)
    if selection.unmatched:
        lines.append(
            f"{len(selection.unmatched)} changed files match no `paths:`;"
            " add globs to matrix.yaml if they should select cells"
        )
    return "\n".join(lines)


def affected_command(
    matrix: Matrix,
    *,
    base: str | None,
    as_json: bool,
    echo: Callable[[str], Any],
    github_output: bool = False,
    env: Mapping[str, str] | None = None,
    selectors: Sequence[str] = (),
    record: Path | None = None,
    note: Callable[[str], Any] | None = None,
) -> int:
    """Print the affected cells; `base=None` selects every cell (`--all`); `selectors` (a
    calling workflow's `cells` input) keep only the cells they select. `record`: the results
    folder where each selected cell the change does not affect gets a not-run result;
    `note` prints what is not the answer (stderr), so `--json` stays JSON."""
    if base is None:
        selection = Selection(list(matrix.cells))
        merge_base = ""
    else:
        changed, merge_base = changed_files(matrix.root, base)
        relative = os.path.relpath(matrix.source.path.resolve(), matrix.root.resolve())
        selection = affected_cells(matrix.model, matrix.cells, changed, Path(relative).as_posix())
    candidates = matrix.select(selectors) if selectors else list(matrix.cells)
    if selectors:
        chosen = {cell.id for cell in candidates}
        selection = Selection([c for c in selection.cells if c.id in chosen], selection.reasons)
    if record is not None and base is not None:
        affected = {cell.id for cell in selection.cells}
        unaffected = [cell for cell in candidates if cell.id not in affected]
        reason = f"not affected by the change (since merge-base {merge_base[:12]})"
        record_not_run(record, unaffected, reason)
        if note is not None:
            if as_json:
                note(format_selection(selection, base, merge_base, len(matrix.cells)))
            for cell in unaffected:
                note(f"{cell.id}: recorded as not run in {record}: {reason}")
    if github_output:
        from matrixgen.ci import GITHUB, write_outputs
        from matrixgen.plan.workflow import plan_outputs

        scope = "affected" if base is not None else ("selected" if selectors else "all")
        outputs = plan_outputs(matrix, selection.cells, scope)
        target = write_outputs(GITHUB, outputs, env or {}, option="--github-output")
        echo(f"wrote the plan for {len(selection.cells)} cells ({scope}) to {target}")
    if as_json:
        # `list --json` shape; `[]` when nothing is affected (callers skip the run).
        echo(json.dumps([cell.to_json() for cell in selection.cells], indent=2, ensure_ascii=False))
    elif base is None and selectors:
        echo(f"{len(selection.cells)} of {len(matrix.cells)} cells selected: {' '.join(selectors)}")
    elif base is None:
        echo(f"every cell selected (--all): {len(selection.cells)} cells")
    else:
        echo(format_selection(selection, base, merge_base, len(matrix.cells)))
    return 0


def record_not_run(folder: Path, cells: Sequence[Cell], reason: str) -> None:
    """A not-run result for each cell, at `<folder>/<level>/<cell>.xml` as `run` writes it
    (any earlier result and log of the cell there go: they are not this change's)."""
    from matrixgen.outcome import stamp
    from matrixgen.outcome.status import Status

    for cell in cells:
        junit = folder / cell.level / f"{cell.name}.xml"
        junit.with_suffix(".log").unlink(missing_ok=True)
        stamp.synthesize(
            junit, cell, outcome=Status.NOT_RUN, message=reason, details="", duration=0.0
        )
        props = stamp.properties(
            cell, attempt=0, duration=0.0, status=Status.NOT_RUN, reason=reason
        )
        stamp.stamp(junit, props)
