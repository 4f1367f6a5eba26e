"""What render does to the disk: only changed files, atomically; refusals; deletions; --check."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from matrixgen.errors import OverwriteRefusedError
from matrixgen.marks import read_header

from .conftest import Project


def drop_gcs(project: Project) -> None:
    text = project.read("matrix.yaml")
    text = text.replace("      gcs: {label: GCS, services: [gcs]}\n", "")
    text = text.replace(
        "  - match: {level: component, backend: gcs, mode: passthrough}\n"
        "    reason: no GCS passthrough connector yet\n",
        "",
    )
    start = text.index("overrides:")
    project.write("matrix.yaml", text[:start] + text[text.index("outputs:") :])


def test_only_changed_files_are_written(storage_proxy: Project) -> None:
    assert storage_proxy.render() == 0
    profile = storage_proxy.root / "testing/component/profiles/s3-lww.yml"
    noxfile = storage_proxy.root / "noxfile.py"
    os.utime(profile, (1, 1))
    os.utime(noxfile, (1, 1))
    storage_proxy.write(
        "matrix.yaml", storage_proxy.read("matrix.yaml").replace("label: Unit", "label: Unit tests")
    )
    assert storage_proxy.render() == 0
    actions = storage_proxy.actions()
    assert actions["noxfile.py"] == "updated"  # the session docstring is the level label
    assert actions["docs/testing.md"] == "updated"  # so is the column heading
    assert actions["testing/component/profiles/s3-lww.yml"] == "unchanged"
    assert profile.stat().st_mtime == 1  # not even rewritten with the same bytes
    assert noxfile.stat().st_mtime != 1
    assert not list(storage_proxy.root.rglob("*.tmp"))  # no temporary file left behind


def test_check_prints_a_diff_and_the_fix_and_writes_nothing(storage_proxy: Project) -> None:
    assert storage_proxy.render() == 0
    before = storage_proxy.files()
    storage_proxy.write(
        "matrix.yaml", before["matrix.yaml"].replace("timeout: 20m", "timeout: 40m")
    )
    assert storage_proxy.render(check=True) == 1
    output = "\n".join(storage_proxy.lines)
    assert "--- a/.github/workflows/matrix.yml" in output
    assert "-            timeout: 20\n+            timeout: 40" in output
    assert output.endswith("run `matrixgen render` to update them")
    assert "would update .github/workflows/matrix.yml" in storage_proxy.lines
    assert "unchanged    noxfile.py" in storage_proxy.lines
    assert set(storage_proxy.actions().values()) == {"unchanged"}  # nothing reported as done
    assert storage_proxy.files() == {**before, "matrix.yaml": storage_proxy.read("matrix.yaml")}


def test_dry_run_reports_the_same_lines_and_writes_nothing(storage_proxy: Project) -> None:
    before = storage_proxy.files()
    assert storage_proxy.render(dry_run=True) == 0
    *files, last = storage_proxy.lines
    assert len(files) == 37  # 17 profiles with an env file each, noxfile, workflow, docs
    assert all(line.startswith("would create ") for line in files)
    assert last == "dry run: nothing written"
    assert storage_proxy.files() == before


def test_hand_edited_generated_file_is_reported_and_not_clobbered(storage_proxy: Project) -> None:
    assert storage_proxy.render() == 0
    path = "testing/component/profiles/gcs-lww.yml"
    edited = storage_proxy.read(path).replace(
        'cell: "component/gcs-lww"', 'cell: "component/gcs-lww"\n  extra: 1'
    )
    storage_proxy.write(path, edited)
    assert storage_proxy.render(check=True) == 1
    output = "\n".join(storage_proxy.lines)
    assert "-  extra: 1" in output
    assert "edited by hand" in output
    assert "run `matrixgen render --force`" in output
    with pytest.raises(OverwriteRefusedError, match=r"gcs-lww\.yml was edited by hand"):
        storage_proxy.render()
    assert storage_proxy.read(path) == edited
    assert storage_proxy.render(force=True) == 0
    assert "extra" not in storage_proxy.read(path)


def test_users_sessions_survive_every_render(storage_proxy: Project) -> None:
    own = "\n\n@nox.session\ndef docs(session: nox.Session) -> None:\n"
    own += '    session.run("mkdocs", "build")\n'
    assert storage_proxy.render() == 0
    storage_proxy.write("noxfile.py", "# my header\n" + storage_proxy.read("noxfile.py") + own)
    drop_gcs(storage_proxy)
    assert storage_proxy.render() == 0
    text = storage_proxy.read("noxfile.py")
    assert text.startswith("# my header\n")
    assert text.endswith(own)
    assert "gcs-lww" not in text


def test_profiles_of_vanished_cells_are_deleted_and_only_those(storage_proxy: Project) -> None:
    assert storage_proxy.render() == 0
    storage_proxy.write("testing/component/profiles/my-own.yml", "services: {}\n")
    storage_proxy.write("testing/component/profiles/my-own.env", "A=1\n")
    drop_gcs(storage_proxy)
    assert storage_proxy.render() == 0
    deleted = sorted(p for p, a in storage_proxy.actions().items() if a == "deleted")
    cells = [
        "testing/component/profiles/gcs-cas",
        "testing/component/profiles/gcs-lww",
        "testing/e2e/profiles/rabbitmq-gcs",
        "testing/e2e/profiles/sqs-gcs",
        "testing/integration/profiles/pubsub-gcs",
        "testing/integration/profiles/rabbitmq-gcs",
        "testing/integration/profiles/sqs-gcs",
    ]
    assert deleted == sorted(f"{cell}{suffix}" for cell in cells for suffix in (".env", ".yml"))
    files = storage_proxy.files()
    assert "testing/component/profiles/my-own.yml" in files  # no header: the user's
    assert "testing/component/profiles/my-own.env" in files
    assert not any("gcs" in p for p in files if "/profiles/" in p)


def test_file_without_markers_is_refused_unless_forced(storage_proxy: Project) -> None:
    mine = '"""My noxfile."""\nimport nox\n\n\n@nox.session\ndef lint(session):\n    pass\n'
    storage_proxy.write("noxfile.py", mine)
    with pytest.raises(OverwriteRefusedError, match=r"noxfile\.py has no matrixgen region"):
        storage_proxy.render()
    assert storage_proxy.read("noxfile.py") == mine
    assert not (storage_proxy.root / "docs").exists()  # nothing at all was written
    assert storage_proxy.render(check=True) == 1
    assert storage_proxy.render(force=True) == 0
    text = storage_proxy.read("noxfile.py")
    assert text.startswith(mine.rstrip("\n"))
    assert "# matrixgen:sessions:start" in text
    assert storage_proxy.render(check=True) == 0


def test_users_file_at_a_generated_path_is_refused(storage_proxy: Project) -> None:
    storage_proxy.write(".github/workflows/matrix.yml", "on: push\n")
    with pytest.raises(OverwriteRefusedError, match="not generated by matrixgen"):
        storage_proxy.render()
    assert storage_proxy.read(".github/workflows/matrix.yml") == "on: push\n"


def test_prose_around_the_docs_table_is_untouched(storage_proxy: Project) -> None:
    assert storage_proxy.render() == 0
    page = storage_proxy.read("docs/testing.md")
    start = page.index("<!-- matrixgen:table:start")
    end = page.index("<!-- matrixgen:table:end -->") + len("<!-- matrixgen:table:end -->\n")
    custom = "# Testing\n\nOur own words.\n\n" + page[start:end] + "\nMore words after.\n"
    storage_proxy.write("docs/testing.md", custom)
    drop_gcs(storage_proxy)
    assert storage_proxy.render() == 0
    page = storage_proxy.read("docs/testing.md")
    assert page.startswith("# Testing\n\nOur own words.\n\n<!-- matrixgen:table:start")
    assert page.endswith("<!-- matrixgen:table:end -->\n\nMore words after.\n")
    assert "GCS" not in page


def test_generated_files_keep_their_mode_and_carry_a_header(
    storage_proxy: Project, tmp_path: Path
) -> None:
    assert storage_proxy.render() == 0
    workflow = storage_proxy.root / ".github/workflows/matrix.yml"
    header = read_header(workflow.read_text())
    assert header is not None and header.source == "matrix.yaml" and not header.edited
    assert "matrixgen render" in workflow.read_text().splitlines()[0]
    os.chmod(storage_proxy.root / "noxfile.py", 0o755)
    storage_proxy.write(
        "matrix.yaml", storage_proxy.read("matrix.yaml").replace("label: Unit", "label: U")
    )
    assert storage_proxy.render() == 0
    assert (storage_proxy.root / "noxfile.py").stat().st_mode & 0o777 == 0o755
