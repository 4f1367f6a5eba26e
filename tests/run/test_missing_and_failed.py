"""A missing interpreter fails a CI run unless told to skip (tox's --skip-missing-interpreters),
and `run --failed` runs again only what failed or erred last time (pytest's --lf)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from support.cli import process
from support.project import build_tree

RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"
WRITE = (
    "import sys; open(sys.argv[1], 'w').write(\"<testsuite tests='1'>"
    "<testcase classname='c' name='t'/></testsuite>\")"
)


def env(**changes: str | None) -> dict[str, str]:
    values = {**os.environ, **{k: v for k, v in changes.items() if v is not None}}
    for name, value in changes.items():
        if value is None:
            values.pop(name, None)
    return values


def statuses(root: Path) -> dict[str, tuple[str, str]]:
    done = process(root, "report", "--json", "-", timeout=300)
    return {c["id"]: (c["status"], c.get("reason") or "") for c in json.loads(done.stdout)["cells"]}


def test_a_missing_interpreter_fails_under_ci_unless_skipping_is_asked(tmp_path: Path) -> None:
    (tmp_path / "write.py").write_text(WRITE.replace("; ", "\n"))
    build_tree(tmp_path, {
        "matrix.yaml": f'version: 1\naxes:\n  python: ["3.99", "{RUNNING}"]\n'
        "levels:\n  unit: {axes: [python], run: 'python write.py ${junit}'}\n",
    })  # fmt: skip
    local = process(tmp_path, "run", env=env(CI=None), timeout=600)
    assert local.returncode == 0, local.stdout + local.stderr
    assert "Python 3.99 not found" in local.stdout
    assert statuses(tmp_path)["unit/3.99"][0] == "skipped"

    ci = process(tmp_path, "run", env=env(CI="true"), timeout=600)
    assert ci.returncode == 1, ci.stdout + ci.stderr
    status, reason = statuses(tmp_path)["unit/3.99"]
    assert status == "error"
    assert "Python 3.99 not found" in reason and "--skip-missing-interpreters" in reason
    assert statuses(tmp_path)[f"unit/{RUNNING}"][0] == "passed"

    asked = process(tmp_path, "run", "--skip-missing-interpreters", env=env(CI="true"))
    assert asked.returncode == 0, asked.stdout + asked.stderr
    assert statuses(tmp_path)["unit/3.99"][0] == "skipped"
    strict = process(tmp_path, "run", "--no-skip-missing-interpreters", env=env(CI=None))
    assert strict.returncode == 1


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
    first = process(tmp_path, "run", timeout=600)
    assert first.returncode == 1
    assert sorted(started(first.stdout)) == ["unit/a", "unit/b", "unit/c"]

    again = process(tmp_path, "run", "--failed", timeout=600)
    assert again.returncode == 1 and started(again.stdout) == ["unit/b"]
    (tmp_path / "broken-b").unlink()
    (tmp_path / "broken-c").write_text("")  # c failing now is not known to the results yet
    fixed = process(tmp_path, "run", "--failed", timeout=600)
    assert fixed.returncode == 0 and started(fixed.stdout) == ["unit/b"]
    assert statuses(tmp_path)["unit/b"][0] == "passed"

    nothing = process(tmp_path, "run", "--failed", timeout=600)
    assert nothing.returncode == 0 and started(nothing.stdout) == []
    assert "no selected cell's last result" in nothing.stdout
    # With a selector: only the failed ones among those selected.
    process(tmp_path, "run", "unit/c", timeout=600)
    assert started(process(tmp_path, "run", "--failed", "unit/a").stdout) == []
    assert started(process(tmp_path, "run", "--failed", "unit").stdout) == ["unit/c"]
