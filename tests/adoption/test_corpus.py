"""Each project of the adoption corpus: the cells of its matrix.yaml are exactly the jobs
GitHub makes of its original matrix, and the workflow matrixgen renders from it passes
actionlint, the workflow JSON Schema and zizmor."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from render.helpers import check_schema, tool, zizmor
from support import yamls
from support.cli import invoke

from .corpus import CORPUS, Adoption, as_counts, cells_by_level

IDS = [adoption.folder for adoption in CORPUS]


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def matrixgen(root: Path, *args: str) -> str:
    """`matrixgen -C ROOT ARGS` through `main`, as the console script runs it (in-process:
    what is tested here is what it prints and writes, read by GitHub's rules and the
    workflow's consumers, not the process)."""
    done = invoke("-C", str(root), *args)
    assert done.code == 0, done.out + done.err
    return done.out


def rendered(adoption: Adoption, tmp_path: Path) -> Path:
    """`matrixgen render` on a copy of the project folder; the workflow it wrote."""
    root = tmp_path / adoption.folder
    shutil.copytree(adoption.root, root)
    matrixgen(root, "render")
    github = adoption.matrix_file()["outputs"]["github"]
    return root / (github if isinstance(github, str) else github["file"])


@pytest.mark.parametrize("adoption", CORPUS, ids=IDS)
def test_the_cells_are_the_jobs_github_makes_of_the_original_matrix(adoption: Adoption) -> None:
    github = as_counts(adoption.github_jobs())
    cells = as_counts(cells_by_level(matrixgen(adoption.root, "list", "--json")))
    assert cells == github
    assert adoption.derived_mismatches() == []


@pytest.mark.parametrize("adoption", [a for a in CORPUS if a.runner], ids=lambda a: a.folder)
def test_each_job_runs_on_the_original_runner(adoption: Adoption, tmp_path: Path) -> None:
    """The job's `runs-on`, or each line's where cells of the level differ."""
    jobs = yamls.load(rendered(adoption, tmp_path).read_text(encoding="utf-8"))["jobs"]
    for level, expected in adoption.runners().items():
        job = jobs[level]
        per_line = job["runs-on"] == "${{ matrix.runs-on }}"
        lines = job["strategy"]["matrix"]["include"]
        runs_on = Counter(
            (frozenset(line["values"].items()), line["runs-on"] if per_line else job["runs-on"])
            for line in lines
        )
        assert runs_on == expected


@pytest.mark.parametrize("adoption", [a for a in CORPUS if a.names], ids=lambda a: a.folder)
def test_each_job_has_the_original_name(adoption: Adoption, tmp_path: Path) -> None:
    """The names GitHub shows for the original's jobs, which branch protection lists."""
    jobs = yamls.load(rendered(adoption, tmp_path).read_text(encoding="utf-8"))["jobs"]
    for level, expected in adoption.job_names().items():
        job = jobs[level]
        per_line = job["name"] == "${{ matrix.name }}"
        lines = job["strategy"]["matrix"]["include"]
        names = Counter(
            (frozenset(line["values"].items()), line["name"] if per_line else job["name"])
            for line in lines
        )
        assert names == expected


@pytest.mark.parametrize("adoption", CORPUS, ids=IDS)
def test_the_workflow_passes_actionlint_and_the_workflow_schema(
    adoption: Adoption, tmp_path: Path
) -> None:
    workflow = rendered(adoption, tmp_path)
    linted = run([tool("actionlint"), "-oneline", str(workflow)], workflow.parent)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    check_schema("vendor.github-workflows", workflow)


@pytest.mark.parametrize("adoption", CORPUS, ids=IDS)
def test_zizmor_reports_only_unpinned_actions_and_nothing_once_pinned(
    adoption: Adoption, tmp_path: Path
) -> None:
    workflow = rendered(adoption, tmp_path)
    findings = zizmor(workflow)
    if adoption.pinned:
        assert findings == []
        return
    jobs = yamls.load(workflow.read_text(encoding="utf-8"))["jobs"]
    uses = [step["uses"] for job in jobs.values() for step in job["steps"] if "uses" in step]
    # A project's own steps may pin their actions where matrixgen's use tags (aiomysql's).
    unpinned = [ref for ref in uses if not re.fullmatch(r"[^@]+@[0-9a-f]{40}", ref)]
    idents = [f["ident"] for f in findings]
    # Service container images are tags, as in the originals (`redis:5`), not digests.
    containers = any(job.get("services") for job in jobs.values())
    assert ("unpinned-images" in idents) == containers
    assert [i for i in idents if i != "unpinned-images"] == ["unpinned-uses"] * len(unpinned)


def test_arqs_service_container_takes_its_image_from_each_line(tmp_path: Path) -> None:
    """arq's original gave each job the service container redis:<its version> on 6379."""
    [arq] = [a for a in CORPUS if a.folder == "arq"]
    job = yamls.load(rendered(arq, tmp_path).read_text(encoding="utf-8"))["jobs"]["test"]
    assert list(job["services"]) == ["redis"]
    assert job["services"]["redis"]["image"] == "${{ matrix.images['redis'] || '' }}"
    assert job["services"]["redis"]["ports"] == ["6379:6379"]
    lines = job["strategy"]["matrix"]["include"]
    assert [(line["cell"], line["images"]) for line in lines][-3:] == [
        ("3.12-5", {"redis": "redis:5"}),
        ("3.11-6", {"redis": "redis:6"}),
        ("3.11-7", {"redis": "redis:7"}),
    ]
    run = next(step for step in job["steps"] if step.get("name") == "Run the cell")
    assert run["env"]["PORT_REDIS"] == "${{ job.services['redis'].ports['6379'] }}"
    assert '--services native "${provided[@]}" "$CELL"' in run["run"]


def test_the_corpus_covers_services_exclude_include_and_several_systems() -> None:
    """What the issue asks of the corpus, checked on the original matrices."""
    originals = [a.original() for a in CORPUS]
    matrices = [m for original in originals for m in original.values()]
    assert len(CORPUS) >= 3
    assert any("exclude" in m for m in matrices)
    assert any("include" in m for m in matrices)
    assert any(len(m.get("os", [])) > 1 for m in matrices)  # several systems in one matrix
    assert sum(len(a.original()) > 1 for a in CORPUS) >= 1  # or one job per system
    services = [a for a in CORPUS if a.matrix_file().get("services")]
    assert len(services) >= 3


def test_no_original_is_a_copied_workflow() -> None:
    """Only `strategy.matrix` blocks are kept from the projects, each naming its source."""
    for adoption in CORPUS:
        text = (adoption.root / "original.yml").read_text(encoding="utf-8")
        assert "at commit" in text.split("\n\n")[0]
        for matrix in adoption.original().values():
            assert not {"steps", "runs-on", "services", "strategy"} & set(matrix)
