"""What reaches a cell's job: runner, Python flavour and env per value; steps, packages,
retries and `needs:` per level or suite; allowed failures; job names that say which axis a
value is of; setup-python's pip cache."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from matrixgen.errors import ConfigError

from .checks import assert_valid
from .conftest import Project

RUN = '"pytest --junitxml=${junit}"'

OS_AND_PYTHON = f"""\
version: 1
axes:
  python:
    values:
      "3.13": {{}}
      "3.14t": {{env: {{PYTHON_GIL: "0"}}}}
      "3.15": {{github: {{allow-prereleases: true}}, allowed-failure: true}}
  os:
    values:
      linux: {{github: {{runs-on: ubuntu-24.04}}}}
      mac: {{github: {{runs-on: macos-14, env: {{MACOSX_DEPLOYMENT_TARGET: "14.0"}}}}}}
levels:
  unit:
    axes: [python, os]
    run: {RUN}
outputs:
  github: .github/workflows/matrix.yml
"""


def job_text(project: Project, job: str) -> str:
    """A job of the workflow, from its id to its `steps:`."""
    text = project.read(".github/workflows/matrix.yml")
    start = text.index(f"\n  {job}:\n") + 1
    return text[start : text.index("\n    steps:\n", start) + 1]


def steps_of(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = workflow["jobs"][job]["steps"]
    return steps


def setup_of(workflow: dict[str, Any], job: str) -> dict[str, Any]:
    """The setup-python step of the job's own Python (not matrixgen's, which leaves PATH)."""
    return next(
        step
        for step in steps_of(workflow, job)
        if str(step.get("uses", "")).startswith("actions/setup-python")
        and "update-environment" not in step["with"]
    )


def test_runner_python_flavour_env_and_allowed_failure_come_from_the_values(
    project: Callable[..., Project],
) -> None:
    made = project(OS_AND_PYTHON)
    workflow = made.workflow()
    assert_valid(made.path)
    assert job_text(made, "unit").splitlines()[:9] == [
        "  unit:",
        '    name: "unit (${{ matrix.cell }})"',
        "    runs-on: ${{ matrix.runs-on }}",
        "    continue-on-error: ${{ matrix.allowed-failure }}  # an allowed failure",
        "    timeout-minutes: ${{ matrix.timeout }}",
        "    env:",
        "      MACOSX_DEPLOYMENT_TARGET: ${{ matrix.env.MACOSX_DEPLOYMENT_TARGET }}",
        "    strategy:",
        "      fail-fast: false",
    ]
    lines = {
        line["cell"]: line for line in workflow["jobs"]["unit"]["strategy"]["matrix"]["include"]
    }
    assert lines["3.14t-mac"] == {
        "cell": "3.14t-mac",
        "id": "unit/3.14t-mac",
        "values": {"python": "3.14t", "os": "mac"},  # as declared, for the project's steps
        "runs-on": "macos-14",
        "allowed-failure": False,
        "freethreaded": True,
        "prerelease": False,
        "env": {"MACOSX_DEPLOYMENT_TARGET": "14.0"},
        "python": "3.14",  # setup-python's version; `freethreaded` picks the build
        "timeout": 360,
        "artifact": "unit-3.14t-mac",
    }
    assert lines["3.15-linux"]["prerelease"] is True
    assert lines["3.15-linux"]["allowed-failure"] is True
    assert lines["3.15-linux"]["env"] == {}
    setup = setup_of(workflow, "unit")
    assert setup["with"] == {
        "python-version": "${{ matrix.python }}",
        "freethreaded": "${{ matrix.freethreaded }}",
        "allow-prereleases": "${{ matrix.prerelease }}",
        "cache": "pip",
        "cache-dependency-path": "matrix.yaml\n",
    }


def test_settings_every_cell_shares_are_written_once_on_the_job(
    project: Callable[..., Project],
) -> None:
    made = project(
        f"""\
version: 1
axes:
  python: {{values: {{"3.14t": {{}}}}}}
  backend: [a, b]
levels:
  unit:
    axes: [python, backend]
    run: {RUN}
    allowed-failure: true
    github:
      runs-on: [self-hosted, linux, x64]
      env: {{CUDA_VISIBLE_DEVICES: "0"}}
      retries: 2
outputs:
  github: .github/workflows/matrix.yml
"""
    )
    workflow = made.workflow()
    assert_valid(made.path, "self-hosted-runner")
    assert job_text(made, "unit").splitlines()[:8] == [
        "  unit:",
        '    name: "unit (${{ matrix.cell }})"',
        '    runs-on: ["self-hosted", "linux", "x64"]',
        "    continue-on-error: true  # an allowed failure",
        "    timeout-minutes: ${{ matrix.timeout }}",
        "    env:",
        '      CUDA_VISIBLE_DEVICES: "0"',
        "    strategy:",
    ]
    assert workflow["jobs"]["unit"]["strategy"]["matrix"]["include"][0] == {
        "cell": "3.14t-a",
        "id": "unit/3.14t-a",
        "values": {"python": "3.14t", "backend": "a"},
        "python": "3.14",
        "timeout": 360,
        "artifact": "unit-3.14t-a",
    }
    steps = steps_of(workflow, "unit")
    assert setup_of(workflow, "unit")["with"]["freethreaded"] is True
    run = next(s for s in steps if s.get("name") == "Run the cell")
    assert run["run"] == (
        'matrixgen run --file "$MATRIXGEN_FILE" --services native --retries 2 "$CELL"'
    )


def test_retries_that_differ_travel_in_the_matrix(project: Callable[..., Project]) -> None:
    made = project(
        f"""\
version: 1
levels:
  unit:
    suites:
      fast: {{run: {RUN}}}
      slow: {{run: {RUN}, github: {{retries: 3}}}}
outputs:
  github: .github/workflows/matrix.yml
"""
    )
    workflow = made.workflow()
    assert_valid(made.path)
    run = next(s for s in steps_of(workflow, "unit") if s.get("name") == "Run the cell")
    assert run == {
        "name": "Run the cell",
        "env": {"CELL": "${{ matrix.id }}", "RETRIES": "${{ matrix.retries }}"},
        "run": 'matrixgen run --file "$MATRIXGEN_FILE" --services native --retries "$RETRIES" '
        '"$CELL"',
    }
    include = workflow["jobs"]["unit"]["strategy"]["matrix"]["include"]
    assert [(line["cell"], line["retries"]) for line in include] == [("fast", 0), ("slow", 3)]


def test_an_override_decides_which_cells_may_fail(project: Callable[..., Project]) -> None:
    made = project(
        f"""\
version: 1
axes:
  python: ["3.12", "3.13"]
levels:
  unit: {{axes: [python], run: {RUN}, allowed-failure: true}}
overrides:
  - match: {{python: "3.13"}}
    allowed-failure: false
outputs:
  github: .github/workflows/matrix.yml
"""
    )
    include = made.workflow()["jobs"]["unit"]["strategy"]["matrix"]["include"]
    assert [(line["cell"], line["allowed-failure"]) for line in include] == [
        ("3.12", True),
        ("3.13", False),
    ]


def test_job_names_show_axes_where_a_value_alone_is_ambiguous(
    project: Callable[..., Project],
) -> None:
    made = project(
        f"""\
version: 1
axes:
  python: ["3.14"]
  x: ["8", "9"]
  y: ["8"]
  backend: [s3, gcs]
levels:
  test: {{axes: [python, x, y], run: {RUN}}}
  unit: {{axes: [python, backend], run: {RUN}}}
outputs:
  github: .github/workflows/matrix.yml
"""
    )
    workflow = made.workflow()
    assert_valid(made.path)
    test = workflow["jobs"]["test"]
    assert test["name"] == "test (${{ matrix.name }})"
    assert [(line["cell"], line["name"]) for line in test["strategy"]["matrix"]["include"]] == [
        ("3.14-8-8", "python=3.14, x=8, y=8"),
        ("3.14-9-8", "python=3.14, x=9, y=8"),
    ]
    unit = workflow["jobs"]["unit"]
    assert unit["name"] == "unit (${{ matrix.cell }})"  # no value of two axes: ids as before
    assert "name" not in unit["strategy"]["matrix"]["include"][0]


STEPS = f"""\
version: 1
axes:
  backend: {{values: {{s3: {{services: [redis]}}, gcs: {{}}}}}}
services:
  redis:
    process: {{command: [redis-server, --port, "${{port}}"]}}
    install: {{apt: [redis-server]}}
levels:
  integration:
    github:
      install: {{apt: [libpq-dev], pip: [psycopg]}}
      steps:
        before:
          - name: Images
            run: |
              make build-images
              docker images
          - uses: ./.github/actions/setup
            with: {{level: integration, debug: true}}
        after:
          - {{name: Logs, if: failure(), run: make logs}}
    suites:
      api:
        axes: [backend]
        run: {RUN}
        github:
          install: {{pip: [httpx]}}
          steps:
            before: [{{name: Token, if: "${{{{ github.event_name == 'push' }}}}", run: make token}}]
      cli: {{run: {RUN}}}
outputs:
  github: .github/workflows/matrix.yml
"""


def test_a_levels_and_its_suites_steps_and_packages_reach_the_job(
    project: Callable[..., Project],
) -> None:
    made = project(STEPS)
    workflow = made.workflow()
    # zizmor suggests `$/...` for the project's own local action: its text, as written.
    assert_valid(made.path, "self-repository")
    text = made.read(".github/workflows/matrix.yml")
    assert (
        '          python -m pip install --no-compile -r "$requirements"\n'
        "      - name: Images\n"
        "        run: |\n"
        "          make build-images\n"
        "          docker images\n"
        "      - uses: ./.github/actions/setup\n"
        "        with:\n"
        "          level: integration\n"
        "          debug: true\n"
        "      - name: Token\n"
        "        if: matrix.suite == 'api' && (github.event_name == 'push')\n"
        "        run: make token\n"
        "      - name: Run the cell\n"
    ) in text
    assert (
        '        run: matrixgen run --file "$MATRIXGEN_FILE" --services native "$CELL"\n'
        "      - name: Logs\n"
        "        if: failure()\n"
        "        run: make logs\n"
        "      - name: Upload the cell's results\n"
    ) in text
    include = workflow["jobs"]["integration"]["strategy"]["matrix"]["include"]
    assert [(line["cell"], line["suite"], line["apt"], line["pip"]) for line in include] == [
        ("api-s3", "api", "libpq-dev redis-server", "psycopg\nhttpx"),
        ("api-gcs", "api", "libpq-dev", "psycopg\nhttpx"),
        ("cli", "cli", "libpq-dev", "psycopg"),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("- uses: ./.github/actions/setup", "- uses: actions/setup-node"),
            "levels.integration.github.steps.before[1].uses: 'actions/setup-node' is not an "
            "action reference: write owner/repo@ref (a commit SHA is safest), "
            "owner/repo/path@ref, ./path/to/action or docker://image",
        ),
        (
            (
                "- {name: Logs, if: failure(), run: make logs}",
                "- {name: Logs, uses: a/b@v1, run: make logs}",
            ),
            "levels.integration.github.steps.after[0]: a step has exactly one of `uses:` (an "
            "action) or `run:` (a command)",
        ),
        (
            (
                "- {name: Logs, if: failure(), run: make logs}",
                "- {name: Logs, run: make logs, with: {a: b}}",
            ),
            "levels.integration.github.steps.after[0]: `with:` belongs to `uses:` steps; a "
            "`run:` step takes `env:`",
        ),
        (
            (
                "- {name: Logs, if: failure(), run: make logs}",
                "- {name: Logs, run: make logs, shel: bash}",
            ),
            "levels.integration.github.steps.after[0].shel: unknown key 'shel' (did you mean "
            "'shell'?)",
        ),
    ],
    ids=["uses-without-ref", "uses-and-run", "with-on-run", "unknown-key"],
)
def test_steps_that_cannot_run_are_located_errors(
    project: Callable[..., Project], change: tuple[str, str], message: str
) -> None:
    made = project(STEPS.replace(*change))
    with pytest.raises(ConfigError) as raised:
        made.render()
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            OS_AND_PYTHON.replace("    run: ", "    github: {runs-on: big}\n    run: "),
            "levels.unit.github.runs-on: cell unit/3.13-linux would run on 'big' here and on "
            "'ubuntu-24.04' by axes.os.values.linux.github; a cell has one runner: set it in "
            "one place",
        ),
        (
            OS_AND_PYTHON.replace(
                "    run: ", "    github: {install: {apt: [libpq-dev]}}\n    run: "
            ),
            "levels.unit: cell unit/3.13-mac runs on 'macos-14', which has no apt-get, and needs "
            "the Debian packages libpq-dev; run it on Linux or drop them",
        ),
        (
            OS_AND_PYTHON.replace('"3.15": {github', '"2.7": {github'),
            "axes.python.values.2.7: the python value '2.7' names no interpreter: Python 2.7 "
            "cannot be run by `matrixgen run`",
        ),
        (
            OS_AND_PYTHON.replace(
                "linux: {github: {runs-on: ubuntu-24.04}}",
                "linux: {github: {runs-on: ubuntu-24.04, allow-prereleases: true}}",
            ),
            "axes.os.values.linux.github.allow-prereleases: allow-prereleases is for values of "
            "the `python` axis (setup-python's input), and 'os' is not it; remove it",
        ),
        (
            OS_AND_PYTHON.replace("MACOSX_DEPLOYMENT_TARGET", "ACTIONS_ALLOW_UNSECURE_COMMANDS"),
            "axes.os.values.mac.github.env.ACTIONS_ALLOW_UNSECURE_COMMANDS: "
            "'ACTIONS_ALLOW_UNSECURE_COMMANDS' is reserved (ACTIONS_* belongs to GitHub or to "
            "matrixgen's own workflow settings); choose another name",
        ),
    ],
    ids=[
        "two-runners",
        "apt-on-macos",
        "python-2",
        "prereleases-off-python",
        "reserved-env",
    ],
)
def test_job_settings_that_cannot_work_are_located_errors(
    project: Callable[..., Project], text: str, message: str
) -> None:
    made = project(text)
    with pytest.raises(ConfigError) as raised:
        made.render()
    assert message in str(raised.value)
    assert not made.path.exists()


ORDERED = f"""\
version: 1
levels:
  lint: {{run: {RUN}}}
  unit: {{run: {RUN}}}
  integration: {{run: {RUN}}}
  e2e: {{run: {RUN}, github: {{needs: [lint]}}}}
outputs:
  github: {{file: .github/workflows/matrix.yml, order: true}}
"""


def test_levels_in_order_wait_for_every_level_before_them(
    project: Callable[..., Project],
) -> None:
    made = project(ORDERED)
    jobs = made.workflow()["jobs"]
    assert_valid(made.path)
    assert "needs" not in jobs["lint"]
    assert jobs["unit"]["needs"] == ["lint"]
    # A failure anywhere upstream skips it, not only one in the level just before.
    assert jobs["integration"]["needs"] == ["lint", "unit"]
    assert jobs["e2e"]["needs"] == ["lint"]  # its own `needs:` wins over `order:`
    assert jobs["gate"]["needs"] == ["lint", "unit", "integration", "e2e"]


def test_planned_levels_in_order_run_after_levels_without_affected_cells(
    project: Callable[..., Project],
) -> None:
    made = project(ORDERED.replace("order: true", "order: true, affected: true"))
    jobs = made.workflow()["jobs"]
    assert_valid(made.path)
    assert jobs["integration"]["needs"] == ["plan", "lint", "unit"]
    # GitHub skips a job whose need was skipped (a level the change does not affect):
    # the condition runs it unless a level before it failed.
    assert jobs["integration"]["if"] == (
        "${{ !cancelled() && !contains(needs.*.result, 'failure') && "
        "!contains(needs.*.result, 'cancelled') && needs.plan.outputs.integration-size != '0' }}"
    )
    assert jobs["lint"]["if"] == "needs.plan.outputs.lint-size != '0'"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("needs: [lint]", "levels.e2e.github.needs[0]: unknown level 'lnt'"),
        ("needs: [e2e]", "levels.e2e.github.needs[0]: level 'e2e' cannot wait for itself"),
        (
            "needs: [integration]",
            "levels.e2e.github.needs[0]: levels 'e2e' and 'integration' wait for each other",
        ),
    ],
    ids=["unknown", "itself", "cycle"],
)
def test_needs_that_cannot_be_met_are_located_errors(
    project: Callable[..., Project], change: str, message: str
) -> None:
    text = ORDERED.replace("order: true", "order: false")
    text = text.replace("  integration: {run: ", "  integration: {github: {needs: [e2e]}, run: ")
    text = text.replace("needs: [lint]", change.replace("[lint]", "[lnt]"))
    made = project(text)
    with pytest.raises(ConfigError) as raised:
        made.render()
    assert message in str(raised.value)


def test_a_suite_cannot_order_its_levels_job(project: Callable[..., Project]) -> None:
    made = project(
        f"""\
version: 1
levels:
  unit: {{run: {RUN}}}
  integration:
    suites:
      api: {{run: {RUN}, github: {{needs: [unit]}}}}
outputs:
  github: .github/workflows/matrix.yml
"""
    )
    with pytest.raises(
        ConfigError,
        match=r"levels\.integration\.suites\.api\.github\.needs: "
        r"`needs:` orders level jobs, and a suite runs in its level's job",
    ):
        made.render()


def test_the_pip_cache_is_keyed_on_the_dependency_files_there_are(
    project: Callable[..., Project],
) -> None:
    made = project(
        f"version: 1\nlevels:\n  unit:\n    run: {RUN}\n"
        "outputs:\n  github: .github/workflows/matrix.yml\n",
        {
            "pyproject.toml": "",
            "requirements-dev.txt": "",
            "requirements.txt": "",
            "requirements/docs.txt": "",
            "requirements-${{ github.token }}.txt": "",  # never unquoted into the workflow
        },
    )
    workflow = made.workflow()
    for job in ("unit", "gate"):
        assert setup_of(workflow, job)["with"]["cache-dependency-path"] == (
            "matrix.yaml\npyproject.toml\nrequirements-dev.txt\nrequirements.txt\n"
            "requirements/docs.txt\n"
        )
    made.write("matrix.yaml", made.read("matrix.yaml").replace(
        "  github: .github/workflows/matrix.yml", "  github: {file: .github/workflows/matrix.yml, "
        "cache: false}"))  # fmt: skip
    workflow = made.workflow()
    assert "cache" not in setup_of(workflow, "unit")["with"]


def test_every_python_flavour_goes_to_setup_python_in_its_own_spelling(
    project: Callable[..., Project],
) -> None:
    made = project(
        "version: 1\naxes:\n"
        '  python: ["3.6", "3.14t", "3.15-dev", "pypy-3.10", "pypy3.11", "graalpy-24.1"]\n'
        "levels:\n  unit: {axes: [python], run: 'python -m pytest --junitxml=${junit}'}\n"
        "outputs:\n  matrixgen: matrixgen-cli==0.1.0\n"
        "  github: {file: .github/workflows/matrix.yml, branch: main}\n"
    )
    workflow = made.workflow()
    assert_valid(made.path)
    lines = {
        line["cell"]: (line["python"], line.get("freethreaded"), line.get("prerelease"))
        for line in workflow["jobs"]["unit"]["strategy"]["matrix"]["include"]
    }
    assert lines == {
        "3.6": ("3.6", False, False),
        "3.14t": ("3.14", True, False),
        "3.15-dev": ("3.15", False, True),
        "pypy-3.10": ("pypy3.10", False, False),
        "pypy3.11": ("pypy3.11", False, False),
        "graalpy-24.1": ("graalpy-24.1", False, False),
    }
    # matrixgen itself: a Python of its own that leaves PATH to the cell's.
    own = steps_of(workflow, "unit")[1]
    assert own["id"] == "matrixgen-python"
    assert own["with"] == {"python-version": "3.12", "update-environment": False}
