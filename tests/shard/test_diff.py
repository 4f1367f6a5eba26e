"""`matrixgen diff [REF]`: two matrix texts compared, and real git repositories through the CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from support.cli import invoke

from matrixgen.load.matrix import load
from matrixgen.plan.diff import Base, MatrixDiff, compare, format_text, to_json

BEFORE = """\
version: 1
name: demo
axes:
  backend: [s3, gcs]
  mode: [lww, cas]
levels:
  unit:
    axes: [backend, mode]
    run: pytest tests/unit
  e2e:
    axes: [backend]
    run: pytest tests/e2e
outputs:
  matrixgen: matrixgen-cli
  github: .github/workflows/matrix.yml
"""
BASE = Base("main", "a" * 40)


def diff_of(
    tmp_path: Path, before: str, after: str, seconds: dict[str, float] | None = None
) -> MatrixDiff:
    old = load(tmp_path, text=before)
    new = load(tmp_path, text=after)
    return compare(old, new, BASE, "matrix.yaml", seconds or {})


def test_a_renamed_value_renames_the_checks_of_its_cells(tmp_path: Path) -> None:
    diff = diff_of(tmp_path, BEFORE, BEFORE.replace("[s3, gcs]", "[aws, gcs]"))
    assert diff.added == {"unit": ["unit/aws-lww", "unit/aws-cas"], "e2e": ["e2e/aws"]}
    assert diff.removed == {"unit": ["unit/s3-lww", "unit/s3-cas"], "e2e": ["e2e/s3"]}
    assert [(r.before, r.after) for r in diff.renamed] == [
        ("unit (s3-lww)", ("unit (aws-lww)",)),
        ("unit (s3-cas)", ("unit (aws-cas)",)),
        ("e2e (s3)", ("e2e (aws)",)),
    ]
    assert diff.gone == [] and diff.lost == []
    assert diff.lost_anything
    text = format_text(diff)
    assert "checks: 3 renamed, 0 gone, 3 new" in text
    assert "  renamed  unit (s3-lww) -> unit (aws-lww)" in text
    assert text.endswith("result: required check names or covered tuples lost")


def test_an_added_axis_changes_every_check_name_of_its_level(tmp_path: Path) -> None:
    after = BEFORE.replace(
        "  mode: [lww, cas]\n", "  mode: [lww, cas]\n  python: ['3.11', '3.12']\n"
    )
    after = after.replace("axes: [backend, mode]", "axes: [backend, mode, python]")
    diff = diff_of(tmp_path, BEFORE, after)
    assert diff.removed == {"unit": ["unit/s3-lww", "unit/s3-cas", "unit/gcs-lww", "unit/gcs-cas"]}
    assert len(diff.added["unit"]) == 8
    renamed = {r.before: r.after for r in diff.renamed}
    assert set(renamed) == {"unit (s3-lww)", "unit (s3-cas)", "unit (gcs-lww)", "unit (gcs-cas)"}
    assert renamed["unit (s3-lww)"] == ("unit (s3-lww-3.11)", "unit (s3-lww-3.12)")
    assert not any(name.startswith("e2e") for name in renamed)  # the other level keeps its names
    assert diff.lost_anything


def test_an_added_value_only_adds(tmp_path: Path) -> None:
    diff = diff_of(tmp_path, BEFORE, BEFORE.replace("[s3, gcs]", "[s3, gcs, redis]"))
    assert diff.added == {"unit": ["unit/redis-lww", "unit/redis-cas"], "e2e": ["e2e/redis"]}
    assert diff.removed == {} and diff.renamed == [] and diff.gone == []
    assert diff.new_checks == ["unit (redis-lww)", "unit (redis-cas)", "e2e (redis)"]
    assert not diff.lost_anything
    assert format_text(diff).endswith("result: nothing lost")


def test_a_removed_value_s_checks_are_gone(tmp_path: Path) -> None:
    diff = diff_of(tmp_path, BEFORE, BEFORE.replace("[s3, gcs]", "[gcs]"))
    assert [r.before for r in diff.gone] == ["unit (s3-lww)", "unit (s3-cas)", "e2e (s3)"]
    assert diff.renamed == [] and diff.lost_anything
    assert "  gone     e2e (s3)" in format_text(diff)


def test_a_job_name_template_renames_checks_of_surviving_cells(tmp_path: Path) -> None:
    after = BEFORE.replace(
        "    run: pytest tests/e2e\n",
        "    run: pytest tests/e2e\n    github: {name: 'end to end (${backend})'}\n",
    )
    diff = diff_of(tmp_path, BEFORE, after)
    assert diff.added == {} and diff.removed == {}
    assert [(r.before, r.after, r.cell) for r in diff.renamed] == [
        ("e2e (s3)", ("end to end (s3)",), "e2e/s3"),
        ("e2e (gcs)", ("end to end (gcs)",), "e2e/gcs"),
    ]


def test_a_renamed_or_removed_job_of_the_projects_own_is_a_lost_check(tmp_path: Path) -> None:
    github = "  github: .github/workflows/matrix.yml\n"
    own = (
        "  github:\n    file: .github/workflows/matrix.yml\n    jobs:\n"
        "      coverage: {name: %s, needs: [gate], steps: [{run: 'true'}]}\n"
        "      docs: {steps: [{run: 'true'}]}\n"
    )
    before = BEFORE.replace(github, own % "coverage report")
    renamed = diff_of(tmp_path, before, BEFORE.replace(github, own % "coverage"))
    assert [r.before for r in renamed.gone] == ["coverage report"]
    assert renamed.lost_anything
    assert diff_of(tmp_path, before, before).lost_anything is False
    removed = diff_of(tmp_path, before, BEFORE)
    assert sorted(r.before for r in removed.gone) == ["coverage report", "docs"]


def test_no_workflow_no_check_names(tmp_path: Path) -> None:
    plain = BEFORE.replace("  github: .github/workflows/matrix.yml\n", "")
    diff = diff_of(tmp_path, plain, plain.replace("[s3, gcs]", "[gcs]"))
    assert not diff.workflow and diff.gone == [] and not diff.lost_anything
    assert "checks: no GitHub workflow (outputs.github), no check names" in format_text(diff)


def test_fewer_shards_leave_shard_checks_gone(tmp_path: Path) -> None:
    sharded = BEFORE.replace(
        "  github: .github/workflows/matrix.yml\n",
        "  github: {file: .github/workflows/matrix.yml, shards: {unit: 3}}\n",
    )
    diff = diff_of(tmp_path, sharded, sharded.replace("unit: 3", "unit: 2"))
    assert [r.before for r in diff.gone] == [
        "unit (shard 1/3)",
        "unit (shard 2/3)",
        "unit (shard 3/3)",
    ]
    assert diff.new_checks == ["unit (shard 1/2)", "unit (shard 2/2)"]


COVERED = """\
version: 1
axes:
  a: [a1, a2]
  b: [b1, b2]
  c: [c1, c2]
  d: [d1, d2]
levels:
  unit:
    axes: [a, b, c, d]
    cover: 3
    run: pytest
"""


def test_a_lower_strength_loses_covered_tuples_and_says_which(tmp_path: Path) -> None:
    diff = diff_of(tmp_path, COVERED, COVERED.replace("cover: 3", "cover: 2"))
    assert diff.lost, "a pairwise cover of 4 two-valued axes cannot hold every triple"
    assert all(t.strength == 3 and t.level == "unit" and len(t.pairs) == 3 for t in diff.lost)
    assert diff.lost_anything
    text = format_text(diff)
    assert f"covered tuples lost: {len(diff.lost)}" in text
    assert f"  unit (cover 3): {diff.lost[0].words()}" in text
    assert to_json(diff)["tuples_lost"][0]["strength"] == 3


def test_tuples_of_a_removed_value_or_a_new_exclude_are_not_lost(tmp_path: Path) -> None:
    pairwise = COVERED.replace("cover: 3", "cover: 2")
    removed = diff_of(tmp_path, pairwise, pairwise.replace("[d1, d2]", "[d1]"))
    assert removed.lost == []
    excluded = pairwise + "exclude:\n  - match: {a: a1, b: b1}\n    reason: not built\n"
    assert diff_of(tmp_path, pairwise, excluded).lost == []
    assert diff_of(tmp_path, pairwise, pairwise.replace("[d1, d2]", "[d1, d2, d3]")).lost == []


def test_a_cover_replaced_by_listed_cells_loses_what_they_leave_out(tmp_path: Path) -> None:
    pairwise = COVERED.replace("cover: 3", "cover: 2")
    listed = pairwise.replace(
        "cover: 2\n",
        "cells:\n      - {a: a1, b: b1, c: c1, d: d1}\n      - {a: a2, b: b2, c: c2, d: d2}\n",
    )
    diff = diff_of(tmp_path, pairwise, listed)
    # two cells hold 12 of the 24 pairs; a list of cells, unlike a product, need not hold
    # every pair its rules allow, so the other 12 are lost
    assert len(diff.lost) == 12
    assert all(t.strength == 2 and t.level == "unit" for t in diff.lost)
    assert diff.lost_anything
    # the product of the same axes holds every pair: nothing is lost
    assert diff_of(tmp_path, pairwise, pairwise.replace("    cover: 2\n", "")).lost == []


def test_minutes_are_estimated_from_recorded_durations(tmp_path: Path) -> None:
    seconds = {"unit/s3-lww": 600.0, "unit/s3-cas": 60.0, "e2e/s3": 60.0}
    diff = diff_of(tmp_path, BEFORE, BEFORE.replace("[s3, gcs]", "[s3]"), seconds)
    # gcs cells have no record: each counts as the median, 60 s
    assert diff.seconds_before == 600 + 60 + 60 + 3 * 60
    assert diff.seconds_after == 600 + 60 + 60
    assert (diff.guessed, diff.fill) == (3, 60.0)
    minutes = to_json(diff)["minutes"]
    assert minutes == {
        "estimated": True, "before": 15.0, "after": 12.0,
        "unrecorded_cells": 3, "unrecorded_seconds_each": 60.0,
    }  # fmt: skip


def test_minutes_with_no_recorded_duration_at_all_are_not_estimated(tmp_path: Path) -> None:
    # Each cell would count as the median of nothing (1 s): a count of cells, not minutes.
    diff = diff_of(tmp_path, BEFORE, BEFORE.replace("[s3, gcs]", "[s3]"), {})
    minutes = to_json(diff)["minutes"]
    assert minutes["estimated"] is False and minutes["before"] is minutes["after"] is None
    assert minutes["unrecorded_cells"] == diff.cells_before
    diff.durations = "results/durations.json"  # where the CLI looked
    said = [line for line in format_text(diff).splitlines() if "minutes" in line]
    assert said == [
        "CI minutes: not estimated (no recorded durations in results/durations.json; a run's "
        "report records them)"
    ]


# -- through the CLI, in real repositories ------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """`main` holds BEFORE; a `feature` branch commits the change the test writes."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "matrix.yaml").write_text(BEFORE)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "switch", "-q", "-c", "feature")
    return root


def commit(repo: Path, text: str) -> None:
    (repo / "matrix.yaml").write_text(text)
    git(repo, "commit", "-q", "-am", "change")


def test_cli_a_rename_committed_on_a_branch_exits_1(repo: Path) -> None:
    commit(repo, BEFORE.replace("[s3, gcs]", "[aws, gcs]"))
    result = invoke("-C", str(repo), "diff")  # the default branch: main, here
    assert result.code == 1, result.err
    base = git(repo, "rev-parse", "main").strip()
    assert result.out.startswith(
        f"matrix.yaml: the working tree against main (merge-base {base[:12]})"
    )
    assert "  renamed  unit (s3-lww) -> unit (aws-lww)" in result.out
    data = json.loads(invoke("-C", str(repo), "diff", "main", "--json").out)
    assert list(data) == [
        "base",
        "file",
        "cells",
        "checks",
        "tuples_lost",
        "minutes",
        "not_compared",
        "lost",
    ]
    assert data["base"] == {"ref": "main", "commit": base, "existed": True}
    assert data["checks"]["renamed"][0] == {
        "from": "unit (s3-lww)", "to": ["unit (aws-lww)"], "cell": "unit/s3-lww",
    }  # fmt: skip
    assert data["lost"] is True


def test_cli_compares_with_the_merge_base_not_the_base_branch_s_tip(repo: Path) -> None:
    commit(repo, BEFORE.replace("[s3, gcs]", "[s3, gcs, redis]"))
    git(repo, "switch", "-q", "main")  # main moves on: a value renamed there, not here
    commit(repo, BEFORE.replace("[s3, gcs]", "[aws, gcs]"))
    git(repo, "switch", "-q", "feature")
    result = invoke("-C", str(repo), "diff", "main")
    assert result.code == 0, result.out + result.err
    assert "cells: 3 added, 0 removed" in result.out
    assert result.out.rstrip().endswith("result: nothing lost")


def test_cli_uncommitted_changes_count_and_an_absent_file_adds_every_cell(repo: Path) -> None:
    (repo / "matrix.yaml").write_text(BEFORE.replace("[s3, gcs]", "[gcs]"))
    result = invoke("-C", str(repo), "diff", "HEAD")
    assert result.code == 1 and "  gone     e2e (s3)" in result.out
    git(repo, "mv", "matrix.yaml", "ci.yaml")
    result = invoke("-C", str(repo), "diff", "HEAD", "-f", "ci.yaml")
    assert result.code == 0, result.err
    assert "no ci.yaml at the merge-base: every cell is new" in result.out


def test_cli_bad_input_exits_2_without_a_traceback(repo: Path, tmp_path: Path) -> None:
    result = invoke("-C", str(repo), "diff", "no-such-ref")
    assert result.code == 2
    assert "unknown git ref 'no-such-ref'; fetch it first" in result.err
    commit(repo, "version: 1\nlevels: {unit: {axes: [nope], run: x}}\n")
    commit(repo, BEFORE)
    result = invoke("-C", str(repo), "diff", "HEAD~1")
    assert result.code == 2 and "Traceback" not in result.err
    assert (
        "matrix.yaml at HEAD~1" in result.err
        and "is not a matrix this matrixgen loads" in result.err
    )
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "matrix.yaml").write_text(BEFORE)
    result = invoke("-C", str(outside), "diff")
    assert result.code == 2 and "is not in a git repository" in result.err


def test_cli_a_shallow_checkout_without_the_merge_base_says_so(repo: Path, tmp_path: Path) -> None:
    git(repo, "switch", "-q", "main")
    commit(repo, BEFORE.replace("lww", "lastwrite"))
    clone = tmp_path / "clone"
    git(
        tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{repo}", str(clone)
    )
    git(clone, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    result = invoke("-C", str(clone), "diff", "origin/main")
    assert result.code == 2
    assert "share no history here (a shallow checkout?)" in result.err
    assert "fetch-depth: 0" in result.err


def test_cli_summary_goes_through_the_ci_provider(repo: Path, tmp_path: Path) -> None:
    commit(repo, BEFORE.replace("[s3, gcs]", "[aws, gcs]"))
    result = invoke("-C", str(repo), "diff", "--summary", env={"GITHUB_ACTIONS": None})
    assert result.code == 2 and "--summary: plain terminal has no step summary" in result.err
    summary = tmp_path / "summary.md"
    summary.write_text("")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    result = invoke("-C", str(repo), "diff", "main", "--summary", env=env)
    assert result.code == 1
    assert "::warning title=matrixgen diff::3 checks renamed, 0 gone" in result.out
    text = summary.read_text()
    assert text.startswith("### Matrix diff: required check names or covered tuples lost\n")
    assert "```text\nmatrix.yaml: the working tree against main" in text
    assert "  renamed  e2e (s3) -> e2e (aws)" in text
