"""`matrixgen affected`: real git repositories in temporary folders."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from support.cli import invoke

from matrixgen.cli import main
from matrixgen.errors import UsageError
from matrixgen.load.matrix import load
from matrixgen.plan.affected import affected_cells, changed_files, glob_pattern, matches

MATRIX = """\
version: 1
axes:
  backend:
    values:
      s3: {paths: ["src/backends/s3.py", "tests/s3/"]}
      gcs: {paths: ["src/backends/gcs*.py"]}
  mode: [lww, cas]
paths: [pyproject.toml, "src/core/**"]
levels:
  unit:
    axes: [backend]
    services: false
    paths: ["tests/unit/**/*.py"]
    run: pytest tests/unit
  component:
    axes: [backend, mode]
    run: pytest tests/component
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose `main` holds matrix.yaml and some code, checked out on `feature`."""
    git(tmp_path, "init", "-q", "-b", "main")
    write(
        tmp_path,
        {
            "matrix.yaml": MATRIX,
            "README.md": "hello\n",
            "pyproject.toml": "[project]\n",
            "src/backends/s3.py": "",
            "src/backends/gcs.py": "",
            "src/core/pipe.py": "",
            "tests/unit/test_a.py": "",
            ".gitignore": "results/\n",
        },
    )
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "start")
    git(tmp_path, "switch", "-qc", "feature")
    return tmp_path


def affected(repo: Path, base: str = "main") -> list[str]:
    result = invoke("-C", str(repo), "affected", "--base", base, "--json")
    assert (result.code, result.err) == (0, ""), result
    cells = json.loads(result.out)
    return [cell["id"] for cell in cells]


def commit(repo: Path, files: dict[str, str], message: str = "change") -> None:
    write(repo, files)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", message)


def test_a_value_path_selects_the_cells_with_that_value(repo: Path) -> None:
    commit(repo, {"src/backends/gcs_v2.py": "x = 1\n"})
    assert affected(repo) == ["unit/gcs", "component/gcs-lww", "component/gcs-cas"]


def test_nothing_changed_selects_nothing_and_says_so(repo: Path) -> None:
    assert affected(repo) == []
    result = invoke("-C", str(repo), "affected", "--base", "main")
    assert result.code == 0, result
    assert "no cells affected (of 6); nothing to run" in result.out


def test_matrix_yaml_and_top_level_paths_select_every_cell(repo: Path) -> None:
    every = [c.id for c in load(repo).cells]
    commit(repo, {"matrix.yaml": MATRIX + "# a comment\n"})
    assert affected(repo) == every
    git(repo, "switch", "-qc", "other", "main")
    commit(repo, {"src/core/deep/inner.py": ""})
    assert affected(repo) == every


def test_a_level_path_selects_that_level(repo: Path) -> None:
    commit(repo, {"tests/unit/sub/test_b.py": ""})
    assert affected(repo) == ["unit/s3", "unit/gcs"]


def test_uncommitted_untracked_and_ignored_files(repo: Path) -> None:
    write(repo, {"src/backends/s3.py": "edited = True\n"})  # tracked, not committed
    assert affected(repo) == ["unit/s3", "component/s3-lww", "component/s3-cas"]
    git(repo, "checkout", "--", "src/backends/s3.py")
    write(repo, {"tests/s3/test_new.py": ""})  # untracked, under a folder glob
    assert affected(repo) == ["unit/s3", "component/s3-lww", "component/s3-cas"]
    (repo / "tests/s3/test_new.py").unlink()
    write(repo, {"results/src/core/x.py": ""})  # ignored: never a change
    assert affected(repo) == []


def test_changes_on_the_base_branch_since_the_fork_do_not_count(repo: Path) -> None:
    commit(repo, {"README.md": "feature docs\n"})
    git(repo, "switch", "-q", "main")
    commit(repo, {"pyproject.toml": "[project]\nname = 'x'\n"}, "main moves on")
    git(repo, "switch", "-q", "feature")
    # A two-dot diff against main would see pyproject.toml and select every cell.
    assert affected(repo) == []


def test_a_rename_counts_at_its_old_path(repo: Path) -> None:
    git(repo, "mv", "src/backends/s3.py", "src/moved.py")
    git(repo, "commit", "-qm", "move")
    assert affected(repo) == ["unit/s3", "component/s3-lww", "component/s3-cas"]


def test_matrix_in_a_subfolder_sees_paths_relative_to_it(repo: Path) -> None:
    write(repo, {"sub/matrix.yaml": MATRIX, "sub/src/backends/s3.py": ""})
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "sub")
    cells = affected(repo / "sub", "HEAD~1")
    assert cells == [c.id for c in load(repo / "sub").cells]  # its matrix.yaml is new
    commit(repo, {"sub/src/backends/s3.py": "y = 2\n", "src/backends/gcs.py": "z = 3\n"})
    assert affected(repo / "sub", "HEAD~1") == ["unit/s3", "component/s3-lww", "component/s3-cas"]


def test_text_output_explains_each_file(repo: Path) -> None:
    commit(
        repo,
        {"README.md": "more\n", "src/backends/s3.py": "a = 1\n", "tests/unit/test_a.py": "b = 2\n"},
    )
    result = invoke("-C", str(repo), "affected", "--base", "main")
    assert (result.code, result.err) == (0, ""), result
    lines = result.out.splitlines()
    assert lines[0].startswith("3 files changed since main (merge-base ")
    assert any(line.split() == ["README.md", "->", "no", "cell"] for line in lines)
    assert any(line.split() == ["src/backends/s3.py", "->", "backend=s3"] for line in lines)
    assert any(line.split() == ["tests/unit/test_a.py", "->", "level", "unit"] for line in lines)
    assert "4 of 6 cells affected:" in result.out
    assert "1 changed files match no `paths:`" in result.out


def test_unknown_base_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["-C", str(repo), "affected", "--base", "no-such-branch"])
    assert exit_info.value.code == 2
    assert "unknown git ref 'no-such-branch'" in capsys.readouterr().err


def test_unrelated_history_is_a_usage_error(repo: Path) -> None:
    git(repo, "switch", "-q", "--orphan", "lonely")
    commit(repo, {"matrix.yaml": MATRIX})
    with pytest.raises(UsageError, match="share no history"):
        changed_files(repo, "main")


def test_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "matrix.yaml").write_text(MATRIX)
    inside = subprocess.run(["git", "rev-parse"], cwd=tmp_path, capture_output=True, check=False)
    if inside.returncode == 0:
        pytest.skip("the temporary folder is inside a git repository")
    with pytest.raises(UsageError, match="not in a git repository"):
        changed_files(tmp_path, "main")
    result = invoke("-C", str(tmp_path), "affected", "--base", "main")
    assert (result.code, result.out) == (2, ""), result
    assert "not in a git repository" in result.err


@pytest.mark.parametrize(
    ("glob", "path", "expected"),
    [
        ("src/*.py", "src/a.py", True),
        ("src/*.py", "src/sub/a.py", False),  # * stays in one folder
        ("src/**", "src/sub/a.py", True),
        ("src/**/*.py", "src/a.py", True),  # **/ may be no folder at all
        ("src/**/*.py", "src/x/y/a.py", True),
        ("tests/s3/", "tests/s3/deep/t.py", True),  # a trailing / is the whole folder
        ("tests/s3/", "tests/s3x/t.py", False),
        ("a?.txt", "ab.txt", True),
        ("a?.txt", "a/.txt", False),
        ("[!x]y", "zy", True),
        ("[!x]y", "xy", False),
        ("./pyproject.toml", "pyproject.toml", True),
        ("a+b.txt", "aab.txt", False),  # regex characters are literal
    ],
)
def test_globs(glob: str, path: str, expected: bool) -> None:
    assert matches(path, [glob]) is expected
    assert glob_pattern(glob) is glob_pattern(glob)  # compiled once


def test_affected_cells_on_plain_data() -> None:
    matrix = load(Path(__file__).parents[1] / "data" / "design")
    selection = affected_cells(matrix.model, matrix.cells, ["docs/x.md"], "matrix.yaml")
    assert selection.cells == [] and selection.unmatched == ["docs/x.md"]
    selection = affected_cells(matrix.model, matrix.cells, ["matrix.yaml"], "matrix.yaml")
    assert selection.cells == matrix.cells
    assert selection.reasons == {"matrix.yaml": ["every cell"]}
