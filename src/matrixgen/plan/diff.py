"""`matrixgen diff [REF]`: what a change to matrix.yaml does to the matrix itself.

matrix.yaml is loaded twice, as committed at the merge-base of REF and HEAD (REF defaults
to the default branch: a pull request's own change, without what landed on the base since)
and as it is in the working tree, and compared:
- cells added and removed, per level;
- GitHub check names renamed or gone: a cell job's check is the job's evaluated name, as
  the rendered workflow writes it (`load.github.jobs.job_names`); branch protection that
  requires an old name blocks every pull request once no job reports it;
- covered t-tuples lost by a `cover: t` level or suite (those the new rules still allow);
- CI minutes before and after, estimated from recorded durations as `shard` does.
The files matrix.yaml names are not read at REF: neither the cells nor their check names
depend on them. Levels with computed values (`values: {from: ...}`) are not compared: their
cells are known only on CI.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matrixgen.ci import PLAIN, Provider, detect
from matrixgen.errors import ConfigError, UsageError
from matrixgen.load.cells import Cell
from matrixgen.load.covering import patterns
from matrixgen.load.expand import suites
from matrixgen.load.git_branch import git_default_branch
from matrixgen.load.github.jobs import job_names, shard_count
from matrixgen.load.matrix import Matrix, load
from matrixgen.load.tuples import Pattern, Space
from matrixgen.outcome import durations as recorded_durations
from matrixgen.plan.shard import estimate
from matrixgen.plan.workflow import shard_entries

Pair = tuple[str, str]  # (axis, value)


@dataclass(frozen=True)
class Base:
    ref: str  # as given, or the default branch found
    commit: str  # the merge-base of `ref` and HEAD


@dataclass(frozen=True)
class Rename:
    before: str  # a check name no job reports any more
    after: tuple[str, ...]  # the checks of the cells that took its place
    cell: str | None  # the cell it was the check of (None: a shard's)


@dataclass(frozen=True)
class LostTuple:
    level: str
    suite: str
    strength: int
    pairs: tuple[Pair, ...]

    def words(self) -> str:
        return " × ".join(f"{axis}={value}" for axis, value in self.pairs)


@dataclass
class MatrixDiff:
    base: Base
    path: str  # matrix.yaml, relative to the repository's top
    existed: bool  # matrix.yaml was committed at the base
    added: dict[str, list[str]] = field(default_factory=dict)  # level -> cell ids
    removed: dict[str, list[str]] = field(default_factory=dict)
    cells_before: int = 0
    cells_after: int = 0
    workflow: bool = False  # either side renders a GitHub workflow
    renamed: list[Rename] = field(default_factory=list)
    gone: list[Rename] = field(default_factory=list)  # `after` empty
    new_checks: list[str] = field(default_factory=list)
    lost: list[LostTuple] = field(default_factory=list)
    seconds_before: float = 0.0
    seconds_after: float = 0.0
    guessed: int = 0  # cells without a recorded duration
    fill: float = 0.0  # the seconds each of them counts as
    durations: str = ""  # where the durations came from
    not_compared: list[str] = field(default_factory=list)  # levels with computed values

    @property
    def added_ids(self) -> list[str]:
        return [cell for cells in self.added.values() for cell in cells]

    @property
    def removed_ids(self) -> list[str]:
        return [cell for cells in self.removed.values() for cell in cells]

    @property
    def cells_kept(self) -> int:
        return self.cells_before - len(self.removed_ids)

    @property
    def lost_anything(self) -> bool:
        return bool(self.renamed or self.gone or self.lost)


# -- git ------------------------------------------------------------------------------------


def _git(root: Path, *args: str) -> tuple[int, str, str]:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise UsageError("`matrixgen diff` needs git, and no `git` is on PATH") from None
    return done.returncode, done.stdout, done.stderr


def _resolves(root: Path, ref: str) -> bool:
    return _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")[0] == 0


def fetch_hint(provider: Provider) -> str:
    """What a missing ref asks for, as the CI the command runs under clones full history."""
    return f"fetch it first ({provider.full_history})"


def find_base(root: Path, ref: str | None, provider: Provider = PLAIN) -> Base:
    """The merge-base of `ref` (default: the default branch, `origin/` first) and HEAD."""
    code, _, _ = _git(root, "rev-parse", "--show-toplevel")
    if code != 0:
        raise UsageError(f"{root} is not in a git repository; `matrixgen diff` reads git history")
    if ref is None:
        ref = default_ref(root, provider)
    elif not _resolves(root, ref):
        raise UsageError(f"unknown git ref '{ref}'; {fetch_hint(provider)}")
    code, out, _ = _git(root, "merge-base", ref, "HEAD")
    if code != 0:
        raise UsageError(
            f"'{ref}' and HEAD share no history here (a shallow checkout?); fetch full history"
            f" ({provider.full_history})"
        )
    return Base(ref, out.strip())


def default_ref(root: Path, provider: Provider = PLAIN) -> str:
    """The default branch to compare with: `origin/` first; git's guess, then `main`, then
    `master`. The branch checked out is the last resort (the diff is then the uncommitted
    change): without `origin/HEAD` git may only guess it as the default."""
    branch = git_default_branch(root)
    current = _git(root, "branch", "--show-current")[1].strip()
    names = dict.fromkeys((branch, "main", "master"))
    candidates = [r for name in names for r in (f"origin/{name}", name) if r != current]
    found = next((r for r in [*candidates, current] if r and _resolves(root, r)), None)
    if found is None:
        raise UsageError(
            f"the default branch '{branch}' is not here (a shallow checkout?); give REF, or "
            + fetch_hint(provider)
        )
    return found


def text_at(root: Path, base: Base, matrix_file: Path) -> tuple[str, str | None]:
    """matrix.yaml's path from the repository's top, and its text at the base (None: absent)."""
    _, top, _ = _git(root, "rev-parse", "--show-toplevel")
    path = Path(os.path.relpath(matrix_file.resolve(), Path(top.strip()).resolve())).as_posix()
    code, out, _ = _git(root, "cat-file", "-e", f"{base.commit}:{path}")
    if code != 0:
        return path, None
    code, out, err = _git(root, "show", f"{base.commit}:{path}")
    if code != 0:  # pragma: no cover - cat-file just found it
        raise UsageError(f"git show {base.commit[:12]}:{path} failed: {err.strip()}")
    return path, out


def load_at(directory: Path | None, file: str | None, text: str, base: Base, path: str) -> Matrix:
    try:
        return load(directory, file, text=text)
    except ConfigError as error:
        raise UsageError(
            f"{path} at {base.ref} ({base.commit[:12]}) is not a matrix this matrixgen loads;"
            f" compare with another REF:\n{error}"
        ) from None


# -- what is compared -----------------------------------------------------------------------


def check_names(matrix: Matrix, durations: Mapping[str, float]) -> dict[str, str | None]:
    """Every cell job's check name (the job's evaluated name), to its cell id (None: a shard
    or one of the project's own jobs)."""
    github = matrix.model.outputs.github
    if github is None:
        return {}
    checks: dict[str, str | None] = {}
    by_level: dict[str, list[Cell]] = {}
    for cell in matrix.cells:
        by_level.setdefault(cell.level, []).append(cell)
    computed = {cell.level for cell in matrix.pending}
    for level, cells in by_level.items():
        if level in computed:
            continue
        count = shard_count(github, level)
        if count:
            for entry in shard_entries(matrix, cells, count, durations):
                checks[f"{level} (shard {entry.shard})"] = None
            continue
        names, whole = job_names(matrix, cells)
        for cell in cells:
            checks[names[cell.id] if whole else f"{level} ({names[cell.id]})"] = cell.id
    # The project's own jobs (`outputs.github.jobs`): their checks are required as often as
    # the gate's (the gate and plan jobs' names are matrixgen's, the same in every workflow).
    for job_id, job in github.jobs.items():
        checks[job.name or job_id] = None
    return checks


def value_renames(before: Matrix, after: Matrix) -> dict[str, dict[str, str]]:
    """Per axis, a value that went while one came: read as that value renamed."""
    renames: dict[str, dict[str, str]] = {}
    for name, axis in after.model.axes.items():
        old = before.model.axes.get(name)
        if old is None:
            continue
        went = [v for v in old.values if v not in axis.values]
        came = [v for v in axis.values if v not in old.values]
        if len(went) == 1 and len(came) == 1:
            renames[name] = {went[0]: came[0]}
    return renames


def successors(
    cell: Cell, added: Sequence[Cell], renames: Mapping[str, Mapping[str, str]]
) -> list[Cell]:
    """The new cells of `cell`'s level and suite that agree with it on every axis both span
    (values renamed as `renames` say): its place after an axis is added, or a value renamed."""
    found = []
    for other in added:
        if (other.level, other.suite) != (cell.level, cell.suite):
            continue
        shared = [a for a in cell.spanned if a in other.spanned]
        if all(
            renames.get(a, {}).get(cell.values[a], cell.values[a]) == other.values[a]
            for a in shared
        ):
            found.append(other)
    return found


def covered(cells: Iterable[Cell], axes: Sequence[str], t: int) -> set[tuple[Pair, ...]]:
    """The t-tuples of (axis, value) over `axes` (in that order) that `cells` hold."""
    tuples: set[tuple[Pair, ...]] = set()
    for cell in cells:
        pairs = [(a, cell.values[a]) for a in axes if a in cell.values]
        tuples.update(itertools.combinations(pairs, t))
    return tuples


def lost_tuples(before: Matrix, after: Matrix) -> list[LostTuple]:
    """Per `cover: t` suite before: the t-tuples its cells covered that no cell holds now and
    the new rules still allow (a tuple of a removed value, or of one an exclude now forbids,
    is not lost but removed). The suite now may be a cover, a product or a list of cells."""
    lost: list[LostTuple] = []
    now = _suites_now(after)
    for old in before.expansion.covers:
        axes = [name for name, _ in old.axes]
        held = [dict(zip(axes, row, strict=True)) for row in old.rows]
        was: set[tuple[Pair, ...]] = set()
        for values in held:
            was.update(itertools.combinations(list(values.items()), old.strength))
        cells = [c for c in after.cells if (c.level, c.suite) == (old.level, old.suite)]
        missing = was - covered(cells, axes, old.strength)
        new = now.get((old.level, old.suite))
        for pairs in sorted(missing):
            if _allowed(pairs, new):
                lost.append(LostTuple(old.level, old.suite, old.strength, pairs))
    return lost


SuiteRules = tuple[tuple[tuple[str, tuple[str, ...]], ...], tuple[Pattern, ...]]


def _suites_now(after: Matrix) -> dict[tuple[str, str], SuiteRules]:
    """Each suite as it is now: the values of its axes and its excludes as patterns over
    them. A product holds every combination they allow, but `cells:` need not."""
    now: dict[tuple[str, str], SuiteRules] = {}
    for spec in suites(after.model):
        found, _rules = patterns(after.model, spec, [0] * len(after.model.exclude))
        now[(spec.level, spec.name)] = (spec.axes, tuple(found))
    return now


def _allowed(pairs: tuple[Pair, ...], new: SuiteRules | None) -> bool:
    """Whether the suite as it is now may hold the tuple: its axes, values and excludes
    decide (a removed suite holds none)."""
    if new is None:
        return False
    axes, found = new
    position = {name: (i, values) for i, (name, values) in enumerate(axes)}
    if any(a not in position or v not in position[a][1] for a, v in pairs):
        return False
    if len(pairs) > len(axes):  # pragma: no cover - the tuple's axes are the suite's
        return False
    space = Space([len(values) for _, values in axes], len(pairs), found)
    indexed = tuple(sorted((position[a][0], position[a][1].index(v)) for a, v in pairs))
    return space.possible(indexed)


def compare(
    before: Matrix | None, after: Matrix, base: Base, path: str, durations: Mapping[str, float]
) -> MatrixDiff:
    old_cells = list(before.cells) if before is not None else []
    old_ids = {c.id for c in old_cells}
    new_ids = {c.id for c in after.cells}
    diff = MatrixDiff(base, path, before is not None)
    diff.cells_before, diff.cells_after = len(old_cells), len(after.cells)
    for cell in after.cells:
        if cell.id not in old_ids:
            diff.added.setdefault(cell.level, []).append(cell.id)
    for cell in old_cells:
        if cell.id not in new_ids:
            diff.removed.setdefault(cell.level, []).append(cell.id)
    pending = {c.level for c in after.pending} | {
        c.level for c in (before.pending if before else [])
    }
    diff.not_compared = sorted(pending)
    ids = list(dict.fromkeys([*(c.id for c in old_cells), *(c.id for c in after.cells)]))
    guess = estimate(ids, durations)
    diff.seconds_before = sum(guess.durations[c.id] for c in old_cells)
    diff.seconds_after = sum(guess.durations[c.id] for c in after.cells)
    diff.guessed, diff.fill = len(guess.guessed), guess.fill
    old_checks = check_names(before, guess.durations) if before is not None else {}
    new_checks = check_names(after, guess.durations)
    diff.workflow = bool(old_checks or new_checks or after.model.outputs.github)
    diff.new_checks = [name for name in new_checks if name not in old_checks]
    name_of = {cell: name for name, cell in new_checks.items() if cell is not None}
    renames = value_renames(before, after) if before is not None else {}
    added = [c for c in after.cells if c.id not in old_ids]
    by_id = {c.id: c for c in old_cells}
    for name, cell_id in old_checks.items():
        if name in new_checks:
            continue
        if cell_id is not None and cell_id in name_of:
            diff.renamed.append(Rename(name, (name_of[cell_id],), cell_id))
            continue
        taken = successors(by_id[cell_id], added, renames) if cell_id is not None else []
        after_names = tuple(name_of[c.id] for c in taken if c.id in name_of)
        (diff.renamed if after_names else diff.gone).append(Rename(name, after_names, cell_id))
    if before is not None:
        diff.lost = lost_tuples(before, after)
    return diff


# -- output ---------------------------------------------------------------------------------


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f}"


def format_text(diff: MatrixDiff) -> str:
    base = f"{diff.base.ref} (merge-base {diff.base.commit[:12]})"
    lines = [f"{diff.path}: the working tree against {base}"]
    if not diff.existed:
        lines.append(f"no {diff.path} at the merge-base: every cell is new")
    lines.append(
        f"cells: {len(diff.added_ids)} added, {len(diff.removed_ids)} removed"
        f" ({diff.cells_before} before, {diff.cells_after} after)"
    )
    for level in dict.fromkeys([*diff.removed, *diff.added]):
        lines.append(f"  {level}:")
        lines.extend(f"    - {cell}" for cell in diff.removed.get(level, []))
        lines.extend(f"    + {cell}" for cell in diff.added.get(level, []))
    if not diff.workflow:
        lines.append("checks: no GitHub workflow (outputs.github), no check names")
    else:
        lines.append(
            f"checks: {len(diff.renamed)} renamed, {len(diff.gone)} gone,"
            f" {len(diff.new_checks)} new"
            + (
                " (branch protection that requires an old name blocks merging)"
                if diff.renamed or diff.gone
                else ""
            )
        )
        for rename in diff.renamed:
            lines.append(f"  renamed  {rename.before} -> {', '.join(rename.after)}")
        lines.extend(f"  gone     {rename.before}" for rename in diff.gone)
    if diff.lost:
        lines.append(f"covered tuples lost: {len(diff.lost)}")
        for tup in diff.lost:
            where = tup.level if tup.suite == tup.level else f"{tup.level}/{tup.suite}"
            lines.append(f"  {where} (cover {tup.strength}): {tup.words()}")
    else:
        lines.append("covered tuples lost: none")
    if _unknown(diff):
        lines.append(
            f"CI minutes: not estimated (no recorded durations in {diff.durations}; a run's "
            "report records them)"
        )
    else:
        lines.append(_estimated_minutes(diff))
    if diff.not_compared:
        lines.append(f"not compared: {', '.join(diff.not_compared)} (values computed on CI)")
    lines.append(
        "result: required check names or covered tuples lost"
        if diff.lost_anything
        else "result: nothing lost"
    )
    return "\n".join(lines)


def _unknown(diff: MatrixDiff) -> bool:
    """No cell of either side has a recorded duration: minutes would be a count of cells."""
    return diff.guessed == len({*diff.added_ids, *diff.removed_ids}) + diff.cells_kept


def _estimated_minutes(diff: MatrixDiff) -> str:
    if diff.guessed:
        source = (
            f"{diff.durations}; {diff.guessed} cells without a recorded duration count as"
            f" the median, {diff.fill:.1f} s, each"
        )
    else:
        source = diff.durations
    return (
        f"CI minutes (estimated from {source}):"
        f" {_minutes(diff.seconds_before)} before, {_minutes(diff.seconds_after)} after"
    )


def to_json(diff: MatrixDiff) -> dict[str, Any]:
    """The `--json` shape (README, "Matrix diff"): stable keys, lists in matrix order."""

    def rename(item: Rename) -> dict[str, Any]:
        return {"from": item.before, "to": list(item.after), "cell": item.cell}

    return {
        "base": {"ref": diff.base.ref, "commit": diff.base.commit, "existed": diff.existed},
        "file": diff.path,
        "cells": {
            "before": diff.cells_before,
            "after": diff.cells_after,
            "added": diff.added,
            "removed": diff.removed,
        },
        "checks": {
            "workflow": diff.workflow,
            "renamed": [rename(r) for r in diff.renamed],
            "gone": [r.before for r in diff.gone],
            "new": diff.new_checks,
        },
        "tuples_lost": [
            {
                "level": t.level,
                "suite": t.suite,
                "strength": t.strength,
                "values": dict(t.pairs),
            }
            for t in diff.lost
        ],
        "minutes": {
            "estimated": not _unknown(diff),
            "before": None if _unknown(diff) else round(diff.seconds_before / 60, 2),
            "after": None if _unknown(diff) else round(diff.seconds_after / 60, 2),
            "unrecorded_cells": diff.guessed,
            "unrecorded_seconds_each": round(diff.fill, 3),
        },
        "not_compared": diff.not_compared,
        "lost": diff.lost_anything,
    }


def summary_markdown(diff: MatrixDiff, text: str) -> str:
    """The step summary: a headline of counts, the text report in a fence (inert Markdown)."""
    verdict = (
        "required check names or covered tuples lost" if diff.lost_anything else "nothing lost"
    )
    fence = "```"
    while fence in text:
        fence += "`"
    return (
        f"### Matrix diff: {verdict}\n\n"
        f"{len(diff.renamed)} checks renamed, {len(diff.gone)} gone;"
        f" {len(diff.lost)} covered tuples lost\n\n{fence}text\n{text}\n{fence}\n"
    )


def diff_command(
    directory: Path | None,
    file: str | None,
    after: Matrix,
    *,
    ref: str | None,
    as_json: bool,
    summary: bool,
    durations: Path | None,
    env: Mapping[str, str],
    echo: Callable[[str], Any],
) -> int:
    """Print the diff; 1 when a check name or a covered tuple is lost, else 0."""
    root = after.root
    provider = detect(env)
    target: str | None = None
    if summary:
        variable = provider.summary_variable
        target = env.get(variable) if variable else None
        if not target:
            raise UsageError(
                f"--summary: ${variable} is not set; use it in a {provider.title} step"
                if variable
                else f"--summary: {provider.title} has no step summary"
            )
    base = find_base(root, ref, provider)
    path, text = text_at(root, base, after.source.path)
    before = load_at(directory, file, text, base, path) if text is not None else None
    source = durations if durations is not None else root / "results" / recorded_durations.FILE
    recorded = recorded_durations.read(
        source, required=durations is not None, warn=lambda m: echo(f"warning: {m}")
    )
    diff = compare(before, after, base, path, recorded)
    diff.durations = (
        Path(os.path.relpath(source, root)).as_posix() if durations is None else str(durations)
    )
    report = format_text(diff)
    if target is not None:
        with open(target, "a", encoding="utf-8") as stream:
            stream.write(summary_markdown(diff, report))
    echo(json.dumps(to_json(diff), indent=2, ensure_ascii=False) if as_json else report)
    if diff.lost_anything and not as_json:
        # On the checks page of a pull request, not only in the log.
        line = provider.annotation(
            "warning",
            "matrixgen diff",
            f"{len(diff.renamed)} checks renamed, {len(diff.gone)} gone,"
            f" {len(diff.lost)} covered tuples lost against {base.ref}",
        )
        if line is not None:
            echo(line)
    return 1 if diff.lost_anything else 0
