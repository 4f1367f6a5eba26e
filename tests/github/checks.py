"""The workflow's real consumers: actionlint, the workflow JSON Schema, zizmor."""

from __future__ import annotations

import json
from pathlib import Path

from render.helpers import actionlint, check_schema, run, tool


def zizmor_findings(workflow: Path) -> list[str]:
    """zizmor's findings (`ident`), offline, with every audit it has (auditor persona)."""
    result = run(
        [tool("zizmor"), "--offline", "--no-config", "--persona=auditor", "--format=json",
         workflow.name],
        workflow.parent,
    )  # fmt: skip
    assert result.returncode in (0, 10, 11, 12, 13, 14), result.stderr  # 1x: findings
    return sorted(finding["ident"] for finding in json.loads(result.stdout))


def assert_valid(workflow: Path, *allowed: str) -> None:
    """actionlint and the schema pass; zizmor finds only `unpinned-uses` (matrixgen's
    default tags) and the `allowed` findings the test expects (a self-hosted runner)."""
    actionlint(workflow)
    check_schema("vendor.github-workflows", workflow)
    assert set(zizmor_findings(workflow)) <= {"unpinned-uses", *allowed}
