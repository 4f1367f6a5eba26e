"""The generated pipeline run for real by gitlab-ci-local (the shell executor: services start
natively, as on a shell runner; `--shell-isolation`: each job in a fresh copy of the project,
as a runner's checkout, results reaching the gate as artifacts through `needs:`). It
validates the file against GitLab's CI JSON schema, runs a job per `parallel: matrix:`
entry, then the gate, which fails on a failed cell or a cell without a result.

matrixgen reaches the jobs as a wheel (the session's `wheels`, conftest: no job downloads),
through pip's own variables (PIP_FIND_LINKS, PIP_NO_INDEX) given to every job."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import invoke
from support.project import Project

pytestmark = [pytest.mark.slow]

TINY = """\
version: 1
name: tiny
axes:
  word: [good, fine, bad]
levels:
  unit:
    axes: [word]
    run: python say.py ${word} ${junit}
    timeout: 2m
  later:
    axes: {word: [good]}
    run: python say.py ${word} ${junit}
    github: {needs: [unit]}
exclude:
  - match: {level: unit, word: bad}
    reason: BAD
outputs:
  matrixgen: matrixgen-cli
  gitlab: {file: .gitlab-ci.yml, containers: false}
"""
# A cell that writes its JUnit file and fails when its word is `bad`.
SAY = """\
import sys
word, junit = sys.argv[1], sys.argv[2]
failed = word == "bad"
case = '<failure message="bad word"/>' if failed else ""
with open(junit, "w") as stream:
    stream.write(f'<testsuite name="say" tests="1" failures="{int(failed)}">'
                 f'<testcase classname="say" name="{word}">{case}</testcase></testsuite>')
print("said", word)
sys.exit(1 if failed else 0)
"""
GIT = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def commit(root: Path) -> None:
    env = {**os.environ, **GIT}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "matrix"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def gitlab_ci_local(
    tool: str, root: Path, wheels: Path | None, *args: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT}
    env.pop("PYTHONPATH", None)
    pip = (
        ["--variable", f"PIP_FIND_LINKS={wheels}", "--variable", "PIP_NO_INDEX=1"] if wheels else []
    )
    if "--list-json" not in args:  # which warns on stdout of a predefined variable set
        # GitLab's own value (gitlab-ci-local says false): the run folds each cell's output.
        pip += ["--variable", "GITLAB_CI=true"]
    home = ["--home", str(root.parent / "gitlab-ci-local-home")]
    done = subprocess.run(
        [tool, "--no-color", "--shell-isolation", *home, *pip, *args],
        cwd=root, env=env, capture_output=True, timeout=900, check=False,
    )  # fmt: skip
    # Decoded as bytes are, so a section's `\r` stays a `\r` (text mode makes it a newline).
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def test_the_gate_fails_on_missing_cells_the_pipeline_runs_green_a_failing_cell_fails(
    project: Callable[..., Project], require_binary: Callable[[str], str], wheels: Path
) -> None:
    tool = require_binary("gitlab-ci-local")
    require_binary("rsync")
    made = project(TINY, {"say.py": SAY, ".gitignore": ".gitlab-ci-local/\n"})
    assert made.render() == 0, made.lines
    commit(made.root)

    listed = gitlab_ci_local(tool, made.root, wheels, "--list-json")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    jobs = {job["name"]: job for job in json.loads(listed.stdout)}
    # GitLab's expansion of each `parallel: matrix:` is exactly the cells.
    assert sorted(jobs) == sorted(
        ["unit: [unit/good]", "unit: [unit/fine]", "later: [later/good]", "matrix gate"]
    ), sorted(jobs)

    # The gate alone (no job ran before it): every cell is missing, and it fails.
    alone = gitlab_ci_local(tool, made.root, wheels, "matrix gate")
    log = alone.stdout + alone.stderr
    assert alone.returncode != 0, log
    assert "3 cells have no result; each should have run (--check-complete)" in log, log
    assert " FAIL  matrix gate" in log, log

    green = gitlab_ci_local(tool, made.root, wheels)
    log = green.stdout + green.stderr
    assert green.returncode == 0, log
    for word in ("good", "fine"):
        # The cell's output, folded in a collapsed section of its job's log (GITLAB_CI=true).
        lines = [line.split(" > ", 1)[-1] for line in log.split("\n") if f"[unit/{word}]" in line]
        start = next(i for i, line in enumerate(lines) if f"PASSED unit/{word} " in line)
        assert re.match(
            rf"\x1b\[0Ksection_start:\d+:PASSED_unit_{word}_\S+\[collapsed=true\]\r\x1b\[0KPASSED",
            lines[start],
        ), lines
        assert f"said {word}" in lines[start + 1 : start + 4], lines
        assert any(line.startswith("\x1b[0Ksection_end:") for line in lines[start:]), lines
    for job in jobs:
        assert f" PASS  {job}" in log, log
    # The gate's report, from the cells' artifacts: every cell passed.
    assert "matrix gate         > 3 JUnit files: ✅ 3 passed" in log, log

    # Now a cell fails: its job and the gate run (the gate reads the other cells' results
    # from the artifacts of the run above, as a retried job's pipeline would). Its job
    # fails; the gate says which, and fails, with no cell missing.
    made.write("matrix.yaml", TINY.replace("{word: [good]}", "{word: [good, bad]}"))
    assert made.render() == 0, made.lines
    commit(made.root)
    red = gitlab_ci_local(tool, made.root, wheels, "later: [later/bad]", "matrix gate")
    log = red.stdout + red.stderr
    assert red.returncode != 0, log
    assert "said bad" in log
    assert " FAIL  later: [later/bad]" in log, log
    assert " FAIL  matrix gate" in log, log
    gate = [line for line in log.splitlines() if line.startswith("matrix gate ")]
    assert any("later/bad: failed" in line for line in gate), log
    assert not any("no result" in line for line in gate), log


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "state-proxy"


def test_the_example_pipeline_is_valid_and_lists_exactly_its_cells(
    tmp_path: Path, require_binary: Callable[[str], str]
) -> None:
    """The bundled example's committed pipeline passes GitLab's CI schema (gitlab-ci-local
    validates before it lists), and its jobs are the example's cells and the gate."""
    tool = require_binary("gitlab-ci-local")
    root = tmp_path / "state-proxy"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("results", ".*cache*", ".nox"))
    commit(root)
    listed = gitlab_ci_local(tool, root, None, "--list-json")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "json schema validated" in listed.stderr, listed.stderr
    # `level: [CELL, the other values of its entry]`, as GitLab names a matrix job.
    names = [job["name"] for job in json.loads(listed.stdout)]
    shown = sorted(
        (name.split(": [")[0], name.split(": [")[-1].split(",")[0].rstrip("]"))
        for name in names
        if name != "matrix gate"
    )
    cells = json.loads(invoke("list", "--json", "--file", str(EXAMPLE / "matrix.yaml")).out)
    assert shown == sorted((cell["level"], cell["id"]) for cell in cells)
    assert names.count("matrix gate") == 1


AREAS = """\
version: 1
name: areas
axes:
  word:
    values:
      good: {paths: [good/]}
      fine: {paths: [fine/]}
levels:
  unit:
    axes: [word]
    run: python say.py ${word} ${junit}
  later:
    axes: {word: [good, fine]}
    run: python say.py ${word} ${junit}
    github: {needs: [unit]}
outputs:
  matrixgen: matrixgen-cli
  gitlab: {file: .gitlab-ci.yml, containers: false, affected: true}
"""


def test_a_merge_request_runs_only_the_cells_its_change_affects(
    project: Callable[..., Project], require_binary: Callable[[str], str], wheels: Path
) -> None:
    """`outputs.gitlab.affected`: in a merge request's pipeline each cell's job asks
    `matrixgen affected` against the change's base; an unaffected cell is recorded as not
    run, and the gate passes with only the affected cells run."""
    tool = require_binary("gitlab-ci-local")
    require_binary("rsync")
    made = project(
        AREAS,
        {
            "say.py": SAY,
            ".gitignore": ".gitlab-ci-local/\n",
            "good/code.txt": "1\n",
            "fine/code.txt": "1\n",
        },
    )
    assert made.render() == 0, made.lines
    commit(made.root)
    env = {**os.environ, **GIT}
    base = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=made.root, env=env, check=True, capture_output=True,
        text=True,
    ).stdout.strip()  # fmt: skip
    made.write("good/code.txt", "2\n")  # the merge request touches the `good` area only
    for args in (["checkout", "-qb", "change"], ["commit", "-qam", "change good"]):
        subprocess.run(["git", *args], cwd=made.root, env=env, check=True, capture_output=True)

    request = [
        "--variable", "CI_PIPELINE_SOURCE=merge_request_event",
        "--variable", f"CI_MERGE_REQUEST_DIFF_BASE_SHA={base}",
    ]  # fmt: skip
    done = gitlab_ci_local(tool, made.root, wheels, *request)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert "json schema validated" in done.stderr, done.stderr
    assert "said good" in log, log
    assert "said fine" not in log, log
    for job in ("unit: [unit/fine]", "later: [later/fine]"):
        assert f"{job.split(': ')[-1][1:-1]}: not affected by this merge request" in log, log
        assert f" PASS  {job}" in log, log
    gate = "\n".join(line for line in log.splitlines() if line.startswith("matrix gate "))
    assert " PASS  matrix gate" in log, log
    assert "4 JUnit files: ⏹ 2 not-run · ✅ 2 passed" in gate, gate
    assert f"not-run: not affected by the change (since merge-base {base[:12]})" in gate, gate

    # Outside a merge request (a push) every cell runs: the level the change touched only
    # in part, here (the pipeline's other jobs ask the same question).
    push = gitlab_ci_local(tool, made.root, wheels, "unit: [unit/good]", "unit: [unit/fine]")
    log = push.stdout + push.stderr
    assert push.returncode == 0, log
    assert "said good" in log and "said fine" in log, log
    assert "not affected" not in log, log


def test_a_merge_requests_diff_job_reports_a_renamed_check_as_a_warning(
    project: Callable[..., Project], require_binary: Callable[[str], str], wheels: Path
) -> None:
    """`outputs.gitlab.diff`: the `matrix diff` job of a merge request's pipeline compares the
    matrix with the change's base; a renamed check name (exit 1) is a warning, not a failed
    job, and the report is in its log and in its artifact."""
    tool = require_binary("gitlab-ci-local")
    require_binary("rsync")
    text = TINY.replace(
        "gitlab: {file: .gitlab-ci.yml, containers: false}",
        "gitlab: {file: .gitlab-ci.yml, containers: false, diff: true}\n  github: {branch: main}",
    )
    made = project(text, {"say.py": SAY, ".gitignore": ".gitlab-ci-local/\n"})
    assert made.render() == 0, made.lines
    commit(made.root)
    env = {**os.environ, **GIT}
    base = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=made.root, env=env, check=True, capture_output=True,
        text=True,
    ).stdout.strip()  # fmt: skip
    # The merge request renames a value: the checks of its cells get other names.
    made.write("matrix.yaml", text.replace("good", "great"))
    assert made.render() == 0, made.lines
    for args in (["checkout", "-qb", "change"], ["add", "-A"], ["commit", "-qm", "rename"]):
        subprocess.run(["git", *args], cwd=made.root, env=env, check=True, capture_output=True)

    request = [
        "--variable", "CI_PIPELINE_SOURCE=merge_request_event",
        "--variable", f"CI_MERGE_REQUEST_DIFF_BASE_SHA={base}",
    ]  # fmt: skip
    done = gitlab_ci_local(tool, made.root, wheels, *request, "matrix diff")
    log = done.stdout + done.stderr
    assert "json schema validated" in done.stderr, done.stderr
    assert done.returncode == 0, log  # an allowed failure
    assert " WARN 1 " in log, log  # exit code 1, allowed: the job is a warning
    assert "renamed  unit (good) -> unit (great)" in log, log
    # The job's artifact, which gitlab-ci-local copies back into the project.
    summary = (made.root / "matrix-diff.md").read_text()
    assert summary.startswith("### Matrix diff: required check names or covered tuples lost\n")
    assert "renamed  unit (good) -> unit (great)" in summary

    # A push's pipeline has no base to compare with: the job says so and passes.
    push = gitlab_ci_local(tool, made.root, wheels, "matrix diff")
    log = push.stdout + push.stderr
    assert push.returncode == 0, log
    assert "not a merge request's pipeline: no base to compare the matrix with" in log, log
    assert " PASS  matrix diff" in log, log
