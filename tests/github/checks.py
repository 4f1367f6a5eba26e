"""The workflow's real consumers: actionlint, the workflow JSON Schema, zizmor."""

from __future__ import annotations

from pathlib import Path

from render.helpers import actionlint, check_schema, zizmor


def zizmor_findings(workflow: Path) -> list[str]:
    """zizmor's findings (`ident`), offline, with every audit it has (auditor persona)."""
    return sorted(finding["ident"] for finding in zizmor(workflow))


def assert_valid(workflow: Path, *allowed: str) -> None:
    """actionlint and the schema pass; zizmor finds only `unpinned-uses` (matrixgen's
    default tags) and the `allowed` findings the test expects (a self-hosted runner)."""
    actionlint(workflow)
    check_schema("vendor.github-workflows", workflow)
    assert set(zizmor_findings(workflow)) <= {"unpinned-uses", *allowed}
