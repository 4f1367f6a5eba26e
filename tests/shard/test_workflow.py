"""The planned workflow: shard jobs and affected cells, checked by actionlint and the schema."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from render.helpers import check_schema
from support import yamls
from support.cli import invoke

from matrixgen.load.matrix import load
from matrixgen.plan.workflow import allocate, plan_outputs

DESIGN = Path(__file__).parents[1] / "data" / "design" / "matrix.yaml"


def tool(name: str) -> str:
    path = Path(sys.executable).parent / name
    found = str(path) if path.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; pip install -e '.[dev]'")
    return found


def project(tmp_path: Path, github: str) -> Path:
    text = DESIGN.read_text().replace("  github: .github/workflows/matrix.yml", github)
    (tmp_path / "matrix.yaml").write_text(text)
    shutil.copytree(DESIGN.parent / "testing", tmp_path / "testing")  # the compose files it names
    return tmp_path


def render(root: Path) -> dict:  # type: ignore[type-arg]
    result = invoke("-C", str(root), "render")
    assert (result.code, result.err) == (0, ""), result
    workflow = root / ".github/workflows/matrix.yml"
    lint = subprocess.run(
        [tool("actionlint"), "-oneline", str(workflow)], capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    check_schema("vendor.github-workflows", workflow)
    loaded = yamls.load(workflow.read_text())
    assert isinstance(loaded, dict)
    return loaded


SHARDED_AND_AFFECTED = """\
  github:
    file: .github/workflows/matrix.yml
    shards: {component: 3, integration: 2}
    affected: true"""


def test_sharded_affected_workflow_validates_and_is_planned(tmp_path: Path) -> None:
    jobs = render(project(tmp_path, SHARDED_AND_AFFECTED))["jobs"]

    assert list(jobs) == ["plan", "unit", "component", "integration", "e2e", "gate"]
    plan = jobs["plan"]
    assert plan["steps"][0]["with"]["fetch-depth"] == 0
    script = plan["steps"][-1]["run"]
    assert (
        '--base "origin/$BASE_REF" --github-output' in script and "--all --github-output" in script
    )
    assert {"component", "component-size", "cells", "scope"} <= set(plan["outputs"])
    component = jobs["component"]
    assert component["needs"] == ["plan"]
    assert component["if"] == "needs.plan.outputs.component-size != '0'"
    assert component["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.component) }}"
    run = next(s for s in component["steps"] if s.get("name") == "Run the shard's cells")
    # One run per shard.
    assert 'matrixgen run --file "$MATRIXGEN_FILE" --services native "${cells[@]}"' in run["run"]
    assert jobs["unit"]["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.unit) }}"
    gate = jobs["gate"]
    assert gate["needs"][0] == "plan"
    checks = [s for s in gate["steps"] if s.get("name", "").startswith("Report")]
    assert [c["if"] for c in checks] == [
        "needs.plan.outputs.scope == 'all'",
        "needs.plan.outputs.scope != 'all'",
    ]
    assert "--check-complete" in checks[0]["run"]
    assert any(s.get("uses", "").startswith("actions/cache/save") for s in gate["steps"])


def test_shards_alone_keep_static_levels_and_run_everything(tmp_path: Path) -> None:
    github = "  github:\n    file: .github/workflows/matrix.yml\n    shards: {integration: 2}"
    jobs = render(project(tmp_path, github))["jobs"]
    assert "fetch-depth" not in str(jobs["plan"]["steps"][0])
    assert "--all --github-output" in jobs["plan"]["steps"][-1]["run"]
    assert "base" not in jobs["plan"]["steps"][-1]["run"]
    assert isinstance(jobs["component"]["strategy"]["matrix"]["include"], list)  # not planned
    assert jobs["integration"]["strategy"]["matrix"] == (
        "${{ fromJSON(needs.plan.outputs.integration) }}"
    )
    assert set(jobs["plan"]["outputs"]) == {"scope", "cells", "integration", "integration-size"}


def test_without_plan_settings_there_is_no_plan_job(tmp_path: Path) -> None:
    jobs = render(project(tmp_path, "  github: .github/workflows/matrix.yml"))["jobs"]
    assert "plan" not in jobs
    assert "needs" not in jobs["component"]


def test_plan_outputs_shard_every_selected_cell_once(tmp_path: Path) -> None:
    root = project(tmp_path, SHARDED_AND_AFFECTED)
    matrix = load(root)
    (root / "results").mkdir()
    recorded = {c.id: 10.0 + i for i, c in enumerate(matrix.cells)}
    (root / "results/durations.json").write_text(json.dumps(recorded))

    outputs = plan_outputs(matrix, matrix.cells, "all")

    component = json.loads(outputs["component"])["include"]
    assert outputs["component-size"] == "3" and len(component) == 3
    ids = [cell for entry in component for cell in entry["cells"].split()]
    assert sorted(ids) == sorted(c.id for c in matrix.cells if c.level == "component")
    assert [e["shard"] for e in component] == ["1/3", "2/3", "3/3"]
    assert len({e["artifact"] for e in component}) == 3
    s3 = next(e for e in component if "component/s3-lww" in e["cells"])
    assert "moto[server]" in s3["pip"].splitlines()
    unit = json.loads(outputs["unit"])["include"]
    assert [e["id"] for e in unit] == [c.id for c in matrix.cells if c.level == "unit"]
    assert json.loads(outputs["cells"]) == [c.id for c in matrix.cells]


def test_empty_selection_plans_empty_jobs(tmp_path: Path) -> None:
    matrix = load(project(tmp_path, SHARDED_AND_AFFECTED))
    outputs = plan_outputs(matrix, [], "affected")
    for job in ("unit", "component", "integration", "e2e"):
        assert outputs[f"{job}-size"] == "0"
        assert json.loads(outputs[job]) == {"include": []}
    assert outputs["cells"] == "[]" and outputs["scope"] == "affected"


def test_github_output_from_a_pull_request_diff(tmp_path: Path) -> None:
    root = project(tmp_path, SHARDED_AND_AFFECTED)
    text = (
        (root / "matrix.yaml")
        .read_text()
        .replace(
            "gcs:   {label: GCS, services: [gcs]}",
            'gcs:   {label: GCS, services: [gcs], paths: ["src/gcs/**"]}',
        )
    )
    (root / "matrix.yaml").write_text(text)

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=root, check=True, capture_output=True,
        )  # fmt: skip

    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-qm", "start")
    git("switch", "-qc", "feature")
    (root / "src/gcs").mkdir(parents=True)
    (root / "src/gcs/client.py").write_text("")
    git("add", ".")
    git("commit", "-qm", "gcs change")
    out = tmp_path / "github_output"
    result = invoke(
        "-C", str(root), "affected", "--base", "main", "--github-output",
        env={"GITHUB_OUTPUT": str(out)},
    )  # fmt: skip
    assert (result.code, result.err) == (0, ""), result
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    selected = json.loads(outputs["cells"])
    assert selected and all("gcs" in cell for cell in selected)
    assert outputs["scope"] == "affected"
    shards = json.loads(outputs["component"])["include"]
    assert sorted(c for e in shards for c in e["cells"].split()) == [
        "component/gcs-cas",
        "component/gcs-lww",
    ]
    assert outputs["component-size"] == "2"  # two cells: two shards, not three


def test_affected_needs_base_or_all(tmp_path: Path) -> None:
    root = project(tmp_path, SHARDED_AND_AFFECTED)
    result = invoke("-C", str(root), "affected")
    assert (result.code, result.out) == (2, "") and "give --base REF, or --all" in result.err
    result = invoke("-C", str(root), "affected", "--all", "--github-output",
                    env={"GITHUB_OUTPUT": ""})  # fmt: skip
    assert (result.code, result.out) == (2, ""), result
    assert "GITHUB_OUTPUT" in result.err


def test_allocate_follows_seconds_with_one_shard_at_least() -> None:
    assert allocate(4, {"3.11": 30.0, "3.12": 10.0}) == {"3.11": 3, "3.12": 1}
    assert allocate(2, {"a": 1.0, "b": 1.0, "c": 1.0}) == {"a": 1, "b": 1, "c": 1}
    assert sum(allocate(7, {"a": 5.0, "b": 3.0, "c": 2.0}).values()) == 7
