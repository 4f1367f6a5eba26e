"""The project's default branch as git knows it: the workflow's push branch
(`render.github`) and what `matrixgen diff` compares with by default (`plan.diff`)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git_default_branch(root: Path) -> str:
    """The project's default branch as git knows it, the same way on every machine.

    `origin/HEAD` (a clone sets it; `git remote set-head origin --auto` repairs it), else
    `init.defaultBranch`, else the current branch, else `main`; outside a git work tree,
    `main`. A CI checkout sets none of the first three to the default branch, so the gate
    points `origin/HEAD` at the branch GitHub names before `render --check` (see the gate).
    """

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", "-C", str(root), *args],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    if git("rev-parse", "--is-inside-work-tree") != "true":
        return "main"
    remote_head = git("symbolic-ref", "-q", "refs/remotes/origin/HEAD")
    if remote_head.startswith("refs/remotes/origin/"):
        return remote_head.removeprefix("refs/remotes/origin/")
    return git("config", "init.defaultBranch") or git("branch", "--show-current") or "main"
