"""The workflow's plan, made at run time: shard jobs and the cells a pull request affects.

With `outputs.github.shards` or `outputs.github.affected`, a small `plan` job runs first
and decides at run time what each level job runs:
- on a pull request with `affected: true`, only the cells the change affects
  (`matrixgen affected`); everywhere else (push, manual runs) every cell;
- a sharded level runs its chosen cells as duration-balanced shards (`matrixgen shard`'s
  packing), from the durations the gate keeps in the Actions cache after each push.
Each planned level job reads its matrix from the plan's outputs and is skipped when the
plan gives it nothing (GitHub rejects an empty matrix). The plan lives at run time, not in
the rendered file, so that `render --check` does not depend on durations or on a diff.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from matrixgen.load.cells import Cell
from matrixgen.load.github.checks import cell_github, job_key
from matrixgen.load.github.jobs import (
    DEFAULT_TIMEOUT_MINUTES,
    JobEntry,
    cell_entry,
    job_names,
    shard_count,
)
from matrixgen.load.github.model import GithubOutput
from matrixgen.load.matrix import Matrix
from matrixgen.load.names import job_id, shard_artifact_name
from matrixgen.outcome import durations as recorded_durations
from matrixgen.plan.shard import estimate, pack

CACHE_KEY = "matrixgen-durations-"
K = TypeVar("K")


@dataclass(frozen=True)
class ShardEntry(JobEntry):
    """One line of a sharded level's matrix: the cells one job runs with one `matrixgen run`."""

    shard: str = ""  # "2/4", for the job name
    cells: str = ""  # space-separated cell ids (ids never contain spaces)


def shard_entries(
    matrix: Matrix, cells: Sequence[Cell], count: int, durations: Mapping[str, float]
) -> list[ShardEntry]:
    """Shards of one level. A job has one runner, Python and env, so the cells that differ in
    those are packed apart, each group's share of the `count` shards following its share of
    the level's seconds."""
    github = matrix.model.outputs.github or GithubOutput()
    entry_of = {cell.id: cell_entry(matrix, cell, github) for cell in cells}
    by_key: dict[tuple[object, ...], list[Cell]] = {}
    for cell in cells:
        by_key.setdefault(job_key(matrix.model, cell, github), []).append(cell)
    seconds = {k: sum(durations[c.id] for c in group) for k, group in by_key.items()}
    shares = allocate(count, seconds)
    groups: list[tuple[str, ...]] = []
    for key, group in by_key.items():
        seconds_of = {c.id: durations[c.id] for c in group}
        plan = pack(seconds_of, shares[key], {c.id: c.services for c in group})
        groups.extend(shard.cells for shard in plan.shards)
    by_id = {cell.id: cell for cell in cells}
    entries = []
    for number, ids in enumerate(groups, 1):
        members = [by_id[i] for i in ids]
        installs = [entry_of[cell.id] for cell in members]
        first = installs[0]
        minutes = shard_minutes(matrix, members, github)
        entries.append(
            ShardEntry(
                shard=f"{number}/{len(groups)}",
                cells=" ".join(ids),
                python=first.python,
                freethreaded=first.freethreaded,
                prerelease=first.prerelease,
                timeout=minutes,
                artifact=shard_artifact_name(members[0].level, number),
                apt=_union([e.apt.split() for e in installs], " "),
                pip=_union([e.pip.splitlines() for e in installs], "\n"),
                npm=_union([e.npm.split() for e in installs], " "),
                runs_on=first.runs_on,
                env=first.env,
                suite=first.suite,
                allowed_failure=first.allowed_failure,
                retries=first.retries,
                images=first.images,  # the shard's cells share their containers (`job_key`)
                services_mode=first.services_mode,
                setup=_union([e.setup.split() for e in installs], " "),
            )
        )
    return entries


def shard_minutes(matrix: Matrix, members: Sequence[Cell], github: GithubOutput) -> int:
    """A shard job's limit: the sum of its cells' own limits (a declared `timeout-minutes`,
    else the cell's `timeout`) plus `setup-minutes` once, at most GitHub's default unless a
    cell's job declares its own limit; GitHub's default when a cell has no limit at all."""
    declared = [cell_github(matrix.model, cell, github).timeout_minutes for cell in members]
    minutes = []
    for cell, limit in zip(members, declared, strict=True):
        if limit is None and cell.timeout is None:
            return DEFAULT_TIMEOUT_MINUTES
        minutes.append(limit if limit is not None else math.ceil((cell.timeout or 0) / 60))
    total = sum(minutes) + github.setup_minutes
    return total if any(declared) else min(total, DEFAULT_TIMEOUT_MINUTES)


def _union(parts: list[list[str]], separator: str) -> str:
    return separator.join(dict.fromkeys(item for part in parts for item in part))


def allocate(count: int, seconds: Mapping[K, float]) -> dict[K, int]:
    """Split `count` shards over groups by their seconds, at least one each (largest remainder)."""
    total = sum(seconds.values()) or 1.0
    spare = max(count - len(seconds), 0)
    exact = {g: spare * s / total for g, s in seconds.items()}
    shares = {g: 1 + math.floor(e) for g, e in exact.items()}
    left = spare - sum(math.floor(e) for e in exact.values())
    for group in sorted(exact, key=lambda g: (-(exact[g] - math.floor(exact[g])), str(g)))[:left]:
        shares[group] += 1
    return shares


def plan_outputs(matrix: Matrix, selected: Sequence[Cell], scope: str) -> dict[str, str]:
    """The plan job's outputs: per planned level job its matrix JSON and size, the cell ids."""
    github = matrix.model.outputs.github or GithubOutput()
    recorded = recorded_durations.read(matrix.root / "results" / recorded_durations.FILE)
    durations = estimate([c.id for c in matrix.cells], recorded).durations
    outputs = {"scope": scope, "cells": json.dumps([c.id for c in selected])}
    levels = dict.fromkeys(cell.level for cell in matrix.cells)
    # Levels with computed values: their jobs list what the plan gives (`render.github`).
    computed = {c.level for c in matrix.cells if any(a in c.values for a in matrix.computed)}
    for level in levels:
        cells = [c for c in selected if c.level == level]
        count = shard_count(github, level)
        if count:
            entries = shard_entries(matrix, cells, count, durations) if cells else []
            include: list[Any] = [entry.matrix() for entry in entries]
        elif github.affected or github.on.workflow_call or level in computed:
            # Named as the rendered job names them: over all the level's cells.
            names, _ = job_names(matrix, [c for c in matrix.cells if c.level == level])
            include = [cell_entry(matrix, cell, github, names[cell.id]).matrix() for cell in cells]
        else:
            continue
        outputs[job_id(level)] = json.dumps({"include": include}, separators=(",", ":"))
        outputs[f"{job_id(level)}-size"] = str(len(include))
    return outputs
