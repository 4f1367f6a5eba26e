"""`matrixgen run` and `matrixgen report` give every JUnit file the same verdict.

Each fixture (runner formats and the hostile corpus) is handed to a real `matrixgen run`
(through `main()`, in-process: the verdicts are tested, not the process) as the JUnit its
cell wrote; the status run stamps and exits with must be the status the report gives the
same file as the runner left it (unstamped), and the status the report reads back from
run's results.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from support.cli import invoke

HERE = Path(__file__).parent
FIXTURES = sorted([*HERE.joinpath("formats").iterdir(), *HERE.joinpath("corpus").iterdir()])
# A file stamped for a cell of another matrix is attributed to that cell, not by its path.
STAMPED_ELSEWHERE = {"nested.xml"}


def statuses(root: Path, results: str) -> dict[str, tuple[str, str | None]]:
    done = invoke("-C", str(root), "report", results, "--json", "-")
    return {c["id"]: (c["status"], c["reason"]) for c in json.loads(done.out)["cells"]}


def test_run_and_report_agree_on_every_fixture(tmp_path: Path) -> None:
    shutil.copytree(HERE / "formats", tmp_path / "fixtures", dirs_exist_ok=True)
    shutil.copytree(HERE / "corpus", tmp_path / "fixtures", dirs_exist_ok=True)
    names = ", ".join(f'"{p.name}"' for p in FIXTURES)
    (tmp_path / "matrix.yaml").write_text(
        f"version: 1\naxes:\n  fixture: [{names}]\nlevels:\n"
        "  wrote:\n    axes: [fixture]\n    run: cp fixtures/${fixture} ${junit}\n"
        "  exited:\n    axes: [fixture]\n    run: cp fixtures/${fixture} ${junit}; exit 3\n"
    )
    run = invoke("-C", str(tmp_path), "run", "-j", "2")
    assert run.code == 1, run.out + run.err
    from_run = statuses(tmp_path, "results")

    raw = tmp_path / "raw" / "wrote"
    raw.mkdir(parents=True)
    for fixture in FIXTURES:
        if fixture.name not in STAMPED_ELSEWHERE:
            shutil.copy(fixture, raw / f"{fixture.name}.xml")
    from_raw = statuses(tmp_path, "raw")

    stamped = {}
    for level in ("wrote", "exited"):
        for fixture in FIXTURES:
            text = (tmp_path / "results" / level / f"{fixture.name}.xml").read_text("utf-8")
            status = text.split('name="matrixgen.status" value="', 1)[1].split('"', 1)[0]
            stamped[f"{level}/{fixture.name}"] = status
    # What run stamped is what the report reads back, for a clean exit and a failing one.
    assert {cell: status for cell, (status, _) in from_run.items()} == stamped
    for fixture in FIXTURES:
        cell = f"wrote/{fixture.name}"
        if fixture.name not in STAMPED_ELSEWHERE:  # the runner's own file says the same
            assert from_raw[cell][0] == stamped[cell], (cell, from_raw[cell], from_run[cell])
        exited = stamped[f"exited/{fixture.name}"]
        # A failing exit never makes a result better, and never passes.
        assert exited in ("failed", "error"), (fixture.name, exited)
    # Spot checks that the verdicts are the right ones, not only equal.
    assert stamped["wrote/surefire_rerun_only.xml"] == "failed"
    assert stamped["wrote/surefire.xml"] == "failed"
    assert stamped["wrote/surefire_flaky.xml"] == "flaky"
    assert from_run["wrote/surefire_flaky.xml"][1] == (
        "1 passed on a rerun by the test runner: com.example.StoreIT.survives a restart"
    )
    assert stamped["wrote/pytest_legacy.xml"] == "passed"
    assert stamped["wrote/billion_laughs.xml"] == "error"
    assert stamped["exited/pytest_legacy.xml"] == "error"
    assert "exited with code 3 although its JUnit reports no failure" in (
        from_run["exited/pytest_legacy.xml"][1] or ""
    )
