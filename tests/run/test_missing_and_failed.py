"""A missing interpreter fails a CI run unless told to skip (tox's --skip-missing-interpreters),
and `run --failed` runs again only what failed or erred last time (pytest's --lf)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from support.cli import Result, invoke
from support.project import build_tree

RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"
WRITE = (
    "import sys; open(sys.argv[1], 'w').write(\"<testsuite tests='1'>"
    "<testcase classname='c' name='t'/></testsuite>\")"
)


# In-process through main() (support.cli.invoke): what is tested is what `run` decides and
# prints, not the process boundary; a process each cost ~0.5 s of CPU, 16 of them here.
def matrixgen(root: Path, *args: str, ci: bool | None = None) -> Result:
    """`matrixgen -C ROOT ARGS`; `ci`: with CI=true, without CI, or as the suite runs."""
    return invoke(
        "-C", str(root), *args, env=None if ci is None else {"CI": "true" if ci else None}
    )


def statuses(root: Path) -> dict[str, tuple[str, str]]:
    done = matrixgen(root, "report", "--json", "-")
    return {c["id"]: (c["status"], c.get("reason") or "") for c in json.loads(done.out)["cells"]}


def test_a_missing_interpreter_fails_under_ci_unless_skipping_is_asked(tmp_path: Path) -> None:
    (tmp_path / "write.py").write_text(WRITE.replace("; ", "\n"))
    build_tree(tmp_path, {
        "matrix.yaml": f'version: 1\naxes:\n  python: ["3.99", "{RUNNING}"]\n'
        "levels:\n  unit: {axes: [python], run: 'python write.py ${junit}'}\n",
    })  # fmt: skip
    local = matrixgen(tmp_path, "run", ci=False)
    assert local.code == 0, local.out + local.err
    assert "Python 3.99 not found" in local.out
    assert statuses(tmp_path)["unit/3.99"][0] == "skipped"

    ci = matrixgen(tmp_path, "run", ci=True)
    assert ci.code == 1, ci.out + ci.err
    status, reason = statuses(tmp_path)["unit/3.99"]
    assert status == "error"
    assert "Python 3.99 not found" in reason and "--skip-missing-interpreters" in reason
    assert statuses(tmp_path)[f"unit/{RUNNING}"][0] == "passed"

    asked = matrixgen(tmp_path, "run", "--skip-missing-interpreters", ci=True)
    assert asked.code == 0, asked.out + asked.err
    assert statuses(tmp_path)["unit/3.99"][0] == "skipped"
    strict = matrixgen(tmp_path, "run", "--no-skip-missing-interpreters", ci=False)
    assert strict.code == 1


CELL = """\
import pathlib, sys
kind, junit = sys.argv[1], sys.argv[2]
broken = pathlib.Path("broken-" + kind).exists()
body = "<failure message='broken'/>" if broken else ""
pathlib.Path(junit).write_text(
    "<testsuite tests='1'><testcase classname='c' name='t'>%s</testcase></testsuite>" % body
)
"""


def started(output: str) -> list[str]:
    return [line.split("start ", 1)[1].strip() for line in output.splitlines() if " start " in line]


def test_failed_runs_again_only_what_failed_or_erred(tmp_path: Path) -> None:
    build_tree(tmp_path, {
        "cell.py": CELL,
        "matrix.yaml": "version: 1\naxes:\n  kind: [a, b, c]\n"
        "levels:\n  unit: {axes: [kind], run: 'python cell.py ${kind} ${junit}'}\n",
        "broken-b": "",
    })  # fmt: skip
    first = matrixgen(tmp_path, "run")
    assert first.code == 1
    assert sorted(started(first.out)) == ["unit/a", "unit/b", "unit/c"]

    again = matrixgen(tmp_path, "run", "--failed")
    assert again.code == 1 and started(again.out) == ["unit/b"]
    (tmp_path / "broken-b").unlink()
    (tmp_path / "broken-c").write_text("")  # c failing now is not known to the results yet
    fixed = matrixgen(tmp_path, "run", "--failed")
    assert fixed.code == 0 and started(fixed.out) == ["unit/b"]
    assert statuses(tmp_path)["unit/b"][0] == "passed"

    nothing = matrixgen(tmp_path, "run", "--failed")
    assert nothing.code == 0 and started(nothing.out) == []
    assert "no selected cell's last result" in nothing.out
    # With a selector: only the failed ones among those selected.
    matrixgen(tmp_path, "run", "unit/c")
    assert started(matrixgen(tmp_path, "run", "--failed", "unit/a").out) == []
    assert started(matrixgen(tmp_path, "run", "--failed", "unit").out) == ["unit/c"]
