"""Every generated artifact checked by its real consumer: nox, actionlint, the JSON Schemas,
and the Docker Compose v2 binary."""

from __future__ import annotations

from collections.abc import Callable

from support import yamls

from .conftest import Project
from .helpers import actionlint, check_schema, compose_config, nox_sessions


def test_nox_lists_one_session_per_cell_next_to_the_users_own(storage_proxy: Project) -> None:
    assert storage_proxy.render() == 0
    noxfile = storage_proxy.read("noxfile.py")
    storage_proxy.write(
        "noxfile.py",
        noxfile + "\n\n@nox.session(python=False)\ndef lint(session: nox.Session) -> None:\n"
        '    """Lint."""\n    session.run("ruff", "check", ".")\n',
    )
    assert storage_proxy.render() == 0
    assert storage_proxy.actions()["noxfile.py"] == "unchanged"
    sessions = {s["session"]: s for s in nox_sessions(storage_proxy.root)}
    cells = storage_proxy.matrix().cells
    assert set(sessions) == {c.nox_session for c in cells} | {"lint"}
    gcs_lww = sessions["component(gcs-lww)"]
    # The cell's packages are matrixgen run's business (it makes the cell's environment).
    assert gcs_lww["call_spec"] == {"cell": "gcs-lww"}
    assert gcs_lww["tags"] == ["component", "gcs", "backend=gcs", "lww", "mode=lww"]
    # nox gives each parametrization of a level the level's one description; the cell's
    # own values are its tags.
    assert sessions["unit(s3-lww)"]["description"] == "Unit — by Storage backend × Mode"
    integration = sessions["integration(sqs-gcs)"]["description"]
    assert integration == "Integration — by Transport × Storage backend, with Mode: LWW"


def test_nox_selects_by_session_level_tag_and_axis_value_tag(storage_proxy: Project) -> None:
    assert storage_proxy.render() == 0
    root = storage_proxy.root
    cells = storage_proxy.matrix().cells
    assert [s["session"] for s in nox_sessions(root, "-s", "component(gcs-lww)")] == [
        "component(gcs-lww)"
    ]
    component = {s["session"] for s in nox_sessions(root, "-t", "component")}
    assert component == {c.nox_session for c in cells if c.level == "component"}
    gcs = {s["session"] for s in nox_sessions(root, "-t", "gcs")}
    assert gcs == {c.nox_session for c in cells if c.values.get("backend") == "gcs"}
    assert "integration(pubsub-gcs)" in gcs  # integration spans backend too


def test_python_axis_is_nox_python_selection(project: Callable[[str], Project]) -> None:
    proj = project(
        """
version: 1
axes:
  python: ["3.11", "3.12"]
  db: [sqlite, postgres]
levels:
  unit: {axes: [python, db], run: pytest}
  lint: {with: {python: "3.12"}, run: ruff check}
outputs: {nox: noxfile.py}
"""
    )
    assert proj.render() == 0
    everything = {s["session"]: s for s in nox_sessions(proj.root)}
    assert everything["unit(3.11-sqlite)"]["python"] == "3.11"
    assert everything["lint(lint)"]["python"] == "3.12"
    picked = {s["session"] for s in nox_sessions(proj.root, "-p", "3.12")}
    assert picked == {"unit(3.12-sqlite)", "unit(3.12-postgres)", "lint(lint)"}


def test_workflow_passes_actionlint_and_the_workflow_schema(storage_proxy: Project) -> None:
    assert storage_proxy.render() == 0
    workflow = storage_proxy.root / ".github/workflows/matrix.yml"
    actionlint(workflow)
    check_schema("vendor.github-workflows", workflow)
    jobs = yamls.load(workflow.read_text())["jobs"]
    assert list(jobs) == ["unit", "component", "integration", "e2e", "gate"]
    include = jobs["integration"]["strategy"]["matrix"]["include"]
    assert [e["cell"] for e in include] == [
        c.name for c in storage_proxy.matrix().cells if c.level == "integration"
    ]
    assert jobs["integration"]["strategy"]["fail-fast"] is False
    by_cell = {e["cell"]: e for e in include}
    assert by_cell["sqs-gcs"]["timeout"] == 20  # the override's 20m, as written
    assert by_cell["sqs-s3"]["timeout"] == 15  # the level's 15m, as written
    assert by_cell["rabbitmq-s3"]["apt"] == "rabbitmq-server"
    gate = jobs["gate"]
    assert gate["needs"] == ["unit", "component", "integration", "e2e"]
    assert gate["if"] == "always()"
    runs = [step.get("run", "") for step in gate["steps"]]
    assert any("matrixgen report" in r and "--check-complete --github-summary" in r for r in runs)
    uses = [step.get("uses", "") for job in jobs.values() for step in job["steps"]]
    assert "actions/checkout@v5" in uses and "actions/setup-python@v6" in uses


def test_coverage_is_uploaded_per_cell_and_enforced_once_in_the_gate(
    storage_proxy: Project,
) -> None:
    text = storage_proxy.read("matrix.yaml").replace(
        "  github: .github/workflows/matrix.yml",
        "  github:\n    file: .github/workflows/matrix.yml\n"
        "    coverage: {fail_under: 92.5, python: '3.12'}",
    )
    storage_proxy.write("matrix.yaml", text)
    assert storage_proxy.render() == 0
    workflow = storage_proxy.root / ".github/workflows/matrix.yml"
    actionlint(workflow)
    check_schema("vendor.github-workflows", workflow)
    jobs = yamls.load(workflow.read_text())["jobs"]
    for level in ("unit", "component", "integration", "e2e"):
        steps = jobs[level]["steps"]
        uploads = [
            s["with"]["name"]
            for s in steps
            if s.get("uses", "").startswith("actions/upload-artifact")
        ]
        assert uploads == ["results-${{ matrix.artifact }}", "coverage-${{ matrix.artifact }}"]
        run_cell = next(s for s in steps if s.get("name") == "Run the cell")
        assert "COVERAGE_FILE" in run_cell["env"]
    gate = jobs["gate"]["steps"]
    assert gate[1]["with"]["python-version"] == "3.12"
    combine = next(s for s in gate if "coverage combine" in s.get("run", ""))
    assert combine["env"] == {"FAIL_UNDER": "92.5"}
    assert '--fail-under="$FAIL_UNDER"' in combine["run"]


def test_every_profile_passes_docker_compose_config_and_the_compose_schema(
    storage_proxy: Project,
) -> None:
    assert storage_proxy.render() == 0
    profiles = sorted(storage_proxy.root.glob("testing/*/profiles/*.yml"))
    profiles = [p for p in profiles if not p.name.endswith(".tester.yml")]
    assert len(profiles) == 17
    check_schema("vendor.compose-spec", *profiles)
    for profile in profiles:
        config = compose_config(profile)
        level, cell = profile.parent.parent.name, profile.stem
        assert config["name"] == f"storage-proxy-{level}-{cell}"
        assert config["x-matrixgen"]["cell"] == f"{level}/{cell}"
    flavored = compose_config(storage_proxy.root / "testing/integration/profiles/sqs-gcs.yml")
    assert set(flavored["services"]) == {"gcs", "sqs"}
    # The overlay changed the shared GCS service, and the override's env is the cell's.
    assert flavored["services"]["gcs"]["environment"] == {"STATE_BUCKET": "asya-results"}
    assert "-public-host" in flavored["services"]["gcs"]["command"]
    # The overlay is merged into the entry of the file whose service it changes.
    assert flavored["x-matrixgen"]["env_file"] == "sqs-gcs.env"
    env = storage_proxy.read("testing/integration/profiles/sqs-gcs.env").splitlines()
    assert 'STATE_BUCKET="asya-results"' in env
    plain = compose_config(storage_proxy.root / "testing/component/profiles/gcs-lww.yml")
    assert "environment" not in plain["services"]["gcs"]  # a service takes what its file names
    env = storage_proxy.read("testing/component/profiles/gcs-lww.env").splitlines()
    assert 'STATE_BACKEND="gcs"' in env and 'MATRIXGEN_CELL="component/gcs-lww"' in env
