"""This repository's own generated files: current with its matrix.yaml, and clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import yamls

from matrixgen.load.matrix import load
from matrixgen.render import render_outputs

from .helpers import actionlint, check_schema, nox_sessions

REPO = Path(__file__).resolve().parents[2]


def test_generated_files_of_this_repository_are_current() -> None:
    lines: list[str] = []
    code = render_outputs(load(REPO), check=True, dry_run=False, force=False, echo=lines.append)
    assert code == 0, "\n".join(lines)
    assert {line.split()[1] for line in lines} == {
        "noxfile.py",
        ".github/workflows/matrix.yml",
        "docs/support-matrix.md",
        "matrix.schema.json",
    }


def test_this_repositorys_workflow_and_noxfile_pass_their_consumers() -> None:
    workflow = REPO / ".github/workflows/matrix.yml"
    actionlint(workflow)
    check_schema("vendor.github-workflows", workflow)
    sessions = {s["session"] for s in nox_sessions(REPO)}
    assert {c.nox_session for c in load(REPO).cells} <= sessions


@pytest.mark.parametrize("hook", ["matrixgen-render-check", "matrixgen-render"])
def test_pre_commit_hooks_run_matrixgen_render(hook: str) -> None:

    hooks = {h["id"]: h for h in yamls.load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks[hook]["entry"].startswith("matrixgen render")
    assert hooks[hook]["pass_filenames"] is False
    assert ("--check" in hooks[hook]["entry"]) == hook.endswith("check")
