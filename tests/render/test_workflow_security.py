"""Generated workflows under zizmor (a GitHub Actions security linter), and action pins.

Every generated workflow: `contents: read` only, `persist-credentials: false` on every
checkout, and, with `outputs.github.actions` pinning commits, nothing at all for zizmor
to report. With matrixgen's default tag pins, zizmor reports `unpinned-uses` on every
`uses:` and nothing else (the README says so).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import yamls
from support.cli import Result

from matrixgen.load.matrix import load
from matrixgen.render import render_outputs
from matrixgen.render.github import DEFAULT_ACTIONS

from .conftest import Project
from .helpers import actionlint, check_schema, zizmor

REPO = Path(__file__).resolve().parents[2]
DESIGN = REPO / "tests" / "data" / "design" / "matrix.yaml"
WORKFLOW = ".github/workflows/matrix.yml"

# The commits these tags point to (read from the actions' repositories); zizmor --offline
# checks only the form, never that a commit exists.
PINS = {
    "actions/checkout": "08c6903cd8c0fde910a37f88322edcfb5dd907a8  # v5.0.0",
    "actions/setup-python": "e797f83bcb11b83ae66e0230d6156d7c80228e7c  # v6.0.0",
    "actions/upload-artifact": "b7c566a772e6b6bfb58ed0dc250532a479d7789f  # v6.0.0",
    "actions/download-artifact": "37930b1c2abaa49bbe596cd826c3c89aef350131  # v7.0.0",
    "actions/cache": "9255dc7a253b0ccc959486e2bca901246202afeb  # v5.0.1",
}

VARIANTS = {
    "plain": "  github: .github/workflows/matrix.yml",
    "coverage": "  github:\n    file: .github/workflows/matrix.yml\n"
    "    coverage: {fail_under: 90, python: '3.12'}",
    "shards": "  github:\n    file: .github/workflows/matrix.yml\n    shards: {integration: 2}",
    "sharded-affected": "  github:\n    file: .github/workflows/matrix.yml\n"
    "    shards: {component: 3, integration: 2}\n    affected: true\n"
    "    coverage: {fail_under: 90}",
    "affected": "  github:\n    file: .github/workflows/matrix.yml\n    affected: true",
}


def primary(finding: dict[str, Any]) -> str:
    """The text zizmor points at: for unpinned-uses, `owner/repo@ref`."""
    for location in finding["locations"]:
        if location["symbolic"]["kind"] == "Primary":
            return str(location["concrete"]["feature"])
    raise AssertionError(finding)


def uses(workflow: Path) -> list[str]:
    jobs = yamls.load(workflow.read_text(encoding="utf-8"))["jobs"]
    return [step["uses"] for job in jobs.values() for step in job["steps"] if "uses" in step]


def assert_only_unpinned_uses(workflow: Path) -> None:
    """zizmor reports every tag-pinned `uses:` as unpinned-uses, and nothing else."""
    findings = zizmor(workflow)
    assert {f["ident"] for f in findings} == {"unpinned-uses"}, [f["ident"] for f in findings]
    assert sorted(primary(f) for f in findings) == sorted(uses(workflow))


def design(tmp_path: Path, github: str, pins: bool = False) -> Path:
    if pins:
        github = github.replace("  github: .github", "  github:\n    file: .github")
        github += "\n    actions:\n" + "".join(f'      {a}: "{r}"\n' for a, r in PINS.items())
    text = DESIGN.read_text().replace("  github: .github/workflows/matrix.yml", github)
    (tmp_path / "matrix.yaml").write_text(text)
    shutil.copytree(DESIGN.parent / "testing", tmp_path / "testing")
    assert render_outputs(load(tmp_path), check=False, dry_run=False, force=False, echo=print) == 0
    return tmp_path / WORKFLOW


def assert_hardened(workflow: Path) -> None:
    loaded = yamls.load(workflow.read_text(encoding="utf-8"))
    assert loaded["permissions"] == {"contents": "read"}
    for job in loaded["jobs"].values():
        assert "permissions" not in job  # nothing needs more than contents: read
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize(
    "workflow",
    [
        REPO / WORKFLOW,
        REPO / "examples/state-proxy" / WORKFLOW,
        REPO / "tests/render/golden/storage-proxy" / WORKFLOW,
    ],
    ids=["this-repository", "state-proxy-example", "golden-storage-proxy"],
)
def test_committed_workflows_have_only_the_documented_zizmor_finding(workflow: Path) -> None:
    assert_hardened(workflow)
    assert_only_unpinned_uses(workflow)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_workflow_variant_with_default_tags_has_only_unpinned_uses(
    tmp_path: Path, variant: str
) -> None:
    workflow = design(tmp_path, VARIANTS[variant])
    assert_hardened(workflow)
    assert_only_unpinned_uses(workflow)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_with_commit_pins_zizmor_reports_nothing_at_all(tmp_path: Path, variant: str) -> None:
    workflow = design(tmp_path, VARIANTS[variant], pins=True)
    assert zizmor(workflow) == []
    actionlint(workflow)
    check_schema("vendor.github-workflows", workflow)
    assert_hardened(workflow)
    for used in uses(workflow):
        _, _, ref = used.partition("@")
        assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), used


def test_pins_keep_their_version_comment_and_a_repository_pin_covers_its_actions(
    tmp_path: Path,
) -> None:
    workflow = design(tmp_path, VARIANTS["sharded-affected"], pins=True)
    text = workflow.read_text(encoding="utf-8")
    cache = "9255dc7a253b0ccc959486e2bca901246202afeb  # v5.0.1"
    assert f"uses: actions/cache/restore@{cache}\n" in text
    assert f"uses: actions/cache/save@{cache}\n" in text
    assert "uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8  # v5.0.0\n" in text
    assert "@v" not in text.replace("# v", "")  # no default tag left


def test_default_tags_are_the_documented_ones(tmp_path: Path) -> None:
    workflow = design(tmp_path, VARIANTS["sharded-affected"])
    # Every action but setup-uv, which only `installer: uv` uses (tests/github/test_uv.py).
    expected = {f"{a}@{t}" for a, t in DEFAULT_ACTIONS.items() if a != "astral-sh/setup-uv"}
    assert set(uses(workflow)) == expected
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for action, tag in DEFAULT_ACTIONS.items():
        assert f"`{action}@{tag}`" in readme


def pinned(project: Project, actions: str, *extra: str) -> None:
    settings = "".join(f"\n    {line}" for line in extra)
    project.write(
        "matrix.yaml",
        project.read("matrix.yaml").replace(
            "  github: .github/workflows/matrix.yml",
            f"  github:\n    file: .github/workflows/matrix.yml{settings}\n    actions:\n{actions}",
        ),
    )


def test_a_tag_is_refused_unless_tags_are_allowed(
    storage_proxy: Project, matrixgen: Callable[..., Result]
) -> None:
    pinned(storage_proxy, "      actions/checkout: v5.0.0\n")
    result = matrixgen("-C", str(storage_proxy.root), "validate")
    assert result.code == 2
    line = storage_proxy.read("matrix.yaml").splitlines().index("      actions/checkout: v5.0.0")
    assert result.err == (
        f"{storage_proxy.root}/matrix.yaml:{line + 1}:25: outputs.github.actions.actions/checkout: "
        "'v5.0.0' is not a full commit SHA (40 lowercase hex digits), and a tag or branch can be "
        "moved by whoever controls the action: pin the commit it points to ('<sha>  # v5.0.0'), "
        "or set `allow-tags: true` to accept tags\n"
    )
    text = storage_proxy.read("matrix.yaml").replace(
        "    actions:\n", "    allow-tags: true\n    actions:\n"
    )
    storage_proxy.write("matrix.yaml", text)
    assert storage_proxy.render() == 0
    assert "uses: actions/checkout@v5.0.0\n" in storage_proxy.read(WORKFLOW)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            '"actions checkout": "08c6903cd8c0fde910a37f88322edcfb5dd907a8"',
            "'actions checkout' is not an action: write it as `uses:` names it, owner/repo or "
            "owner/repo/path (actions/checkout)",
        ),
        (
            'actions/checkout: "08c6903cd8c0fde910a37f88322edcfb5dd907a8\\n# v5"',
            "'08c6903cd8c0fde910a37f88322edcfb5dd907a8\\n# v5' is not a ref: write a 40-hex commit "
            "SHA, optionally with the version it is as a comment ('<sha>  # v5.0.0')",
        ),
        (
            "actions/checkout: 08c6903",
            "'08c6903' is not a full commit SHA (40 lowercase hex digits)",
        ),
    ],
    ids=["name", "newline", "short-sha"],
)
def test_malformed_pins_are_located_errors(
    storage_proxy: Project, matrixgen: Callable[..., Result], entry: str, message: str
) -> None:
    pinned(storage_proxy, f"      {entry}\n")
    result = matrixgen("-C", str(storage_proxy.root), "render")
    assert result.code == 2
    assert f": outputs.github.actions.{entry.split(':')[0].strip(chr(34))}: {message}" in (
        result.err
    )
    assert not (storage_proxy.root / WORKFLOW).exists()


def test_a_pin_the_workflow_never_uses_is_an_error_with_a_suggestion(
    storage_proxy: Project, matrixgen: Callable[..., Result]
) -> None:
    pinned(storage_proxy, '      actions/chekout: "08c6903cd8c0fde910a37f88322edcfb5dd907a8"\n')
    result = matrixgen("-C", str(storage_proxy.root), "render", "--check")
    assert result.code == 2
    line = (
        storage_proxy.read("matrix.yaml")
        .splitlines()
        .index('      actions/chekout: "08c6903cd8c0fde910a37f88322edcfb5dd907a8"')
    )
    assert result.err == (
        f"{storage_proxy.root}/matrix.yaml:{line + 1}:7: outputs.github.actions.actions/chekout: "
        "the workflow uses no action 'actions/chekout' (did you mean 'actions/checkout'?); "
        "fix the name or remove the pin\n"
    )


def test_a_template_using_an_action_matrixgen_has_no_ref_for_must_pin_it(
    storage_proxy: Project, matrixgen: Callable[..., Result]
) -> None:
    storage_proxy.write(
        "templates/github-workflow.yml.j2",
        "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        '      - uses: {{ uses("actions/setup-node") }}\n',
    )
    result = matrixgen("-C", str(storage_proxy.root), "render")
    assert result.code == 2
    assert result.err == (
        "templates/github-workflow.yml.j2:7: template error: a template uses the action "
        "'actions/setup-node', which matrixgen has no ref for; pin it in "
        "`outputs.github.actions`\n"
    )
    pinned(storage_proxy, '      actions/setup-node: "0123456789abcdef0123456789abcdef01234567"\n')
    assert matrixgen("-C", str(storage_proxy.root), "render").code == 0
    assert "uses: actions/setup-node@0123456789abcdef0123456789abcdef01234567\n" in (
        storage_proxy.read(WORKFLOW)
    )
