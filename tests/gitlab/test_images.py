"""An image per cell (outputs.gitlab.image with `${axis}`, `gitlab.image` of a value, level
or suite): jobs split by image, each `image:` literal, the gate in the newest Python's; the
located errors; matrixgen's own Python where the image's is older; the warning of
several Pythons in one image only where they share one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import invoke
from support.golden import assert_golden
from support.project import Project

from .conftest import PIPELINE, cells_of, pipeline

GOLDEN = Path(__file__).parent / "golden"

PYTHONS = """\
version: 1
name: pythons
axes:
  python:
    values:
      "3.9": {}
      "3.13": {}
      pypy3.10: {gitlab: {image: "pypy:3.10-slim"}}
  db: [sqlite, mysql]
levels:
  unit:
    axes: [python, db]
    run: python -c "print('unit')"
  docs:
    axes: {python: ["3.13"]}
    run: python -c "print('docs')"
    gitlab: {image: "registry.example.com/docs:py${python}"}
outputs:
  matrixgen: matrixgen-cli
  gitlab: {file: .gitlab-ci.yml, image: "python:${python}-slim"}
"""


def test_each_python_gets_its_image(project: Callable[..., Project]) -> None:
    made = project(PYTHONS)
    loaded = pipeline(made)
    assert_golden(GOLDEN / "images.gitlab-ci.yml", made.read(PIPELINE))
    jobs = {
        name: job
        for name, job in loaded.items()
        if isinstance(job, dict) and job.get("extends") == ".matrixgen-cell"
    }
    # Split by image as by services: one job per image, named by it, each a literal image.
    assert {name: (job.get("image"), cells_of(job)) for name, job in jobs.items()} == {
        "unit (python:3.9-slim)": ("python:3.9-slim", ["unit/3.9-sqlite", "unit/3.9-mysql"]),
        "unit (python:3.13-slim)": (None, ["unit/3.13-sqlite", "unit/3.13-mysql"]),
        "unit (pypy:3.10-slim)": (
            "pypy:3.10-slim",
            ["unit/pypy3.10-sqlite", "unit/pypy3.10-mysql"],
        ),
        "docs": ("registry.example.com/docs:py3.13", ["docs/3.13"]),
    }
    # The default (the gate's, and the 3.13 job's): the newest Python's image.
    assert loaded["default"] == {"image": "python:3.13-slim"}
    assert "image" not in loaded["matrix gate"]
    # An image's Python older than matrixgen's: matrixgen's venv from uv.
    setup = loaded[".matrixgen"]["before_script"][0]
    assert "sys.exit(sys.version_info < (3, 10))" in setup
    assert "\"$uv\" venv --quiet --no-project --python '>=3.10'" in setup
    # Each Python has its image: the warning of one image for several is gone.
    result = invoke("validate")
    assert result.code == 0 and "outputs.gitlab" not in result.err, result.err


def test_a_pipeline_without_images_keeps_its_setup(project: Callable[..., Project]) -> None:
    """No image (a shell runner): no uv branch, no `image:`."""
    text = PYTHONS.replace('{file: .gitlab-ci.yml, image: "python:${python}-slim"}', "ci.yml")
    text = text.replace('{gitlab: {image: "pypy:3.10-slim"}}', "{}")
    text = text.replace('    gitlab: {image: "registry.example.com/docs:py${python}"}\n', "")
    made = project(text)
    assert made.render() == 0, made.lines
    body = made.read("ci.yml")
    assert "image:" not in body and '"$uv" venv' not in body
    result = invoke("validate")  # three Pythons on the runner's own: the warning says so
    assert result.code == 0
    assert "cells of 3 Pythons (3.9, 3.13, pypy3.10) run in the runner's own Python" in result.err


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        (
            "python:${python}-slim",
            "python:${pyhton}-slim",
            "matrix.yaml:20:41: outputs.gitlab.image: ",
            "unknown axis 'pyhton' in image 'python:${pyhton}-slim' (did you mean 'python'?)",
        ),
        (
            'pypy3.10: {gitlab: {image: "pypy:3.10-slim"}}',
            "pypy3.10: {}",
            "matrix.yaml:20:41: outputs.gitlab.image: ",
            "cell unit/pypy3.10-sqlite's Python 'pypy3.10' is no image tag as ${python} fills "
            "one (a CPython version such as 3.13: free-threaded, pre-release and PyPy builds "
            'are other images); give the value an image of its own: axes.python.values."pypy3'
            '.10".gitlab.image',
        ),
        (
            '"3.13": {}',
            '"3.13": {}\n      "3.14t": {}',
            "matrix.yaml:21:41: outputs.gitlab.image: ",
            "cell unit/3.14t-sqlite's Python '3.14t' is no image tag",
        ),
        (
            '"python:${python}-slim"}\n',
            '"python-${db}:${python}-slim"}\n',
            "matrix.yaml:20:41: outputs.gitlab.image: ",
            "image 'python-MySQL:3.9-slim' (of cell unit/3.9-MySQL) is not a Docker image name",
        ),
        (
            'docs:py${python}"}',
            'docs:${db}"}',
            "matrix.yaml:17:21: levels.docs.gitlab.image: ",
            "image 'registry.example.com/docs:${db}' names ${db}, and cell docs/3.13 has no "
            "value of 'db'",
        ),
        (
            'image: "python:${python}-slim"}',
            "}",
            "matrix.yaml:8:34: axes.python.values.pypy3.10.gitlab.image: ",
            "cell unit/pypy3.10-sqlite would run in image 'pypy:3.10-slim', and the pipeline "
            "runs its other jobs on the runner itself (a shell executor: outputs.gitlab has no "
            "image); set outputs.gitlab.image",
        ),
        (
            "db: [sqlite, mysql]",
            "db:\n    values:\n      sqlite: {}\n      mysql: {gitlab: {image: mysql-py}}",
            "matrix.yaml:12:31: axes.db.values.mysql.gitlab.image: ",
            "cell unit/pypy3.10-mysql would run in image 'pypy:3.10-slim' (at "
            "axes.python.values.pypy3.10.gitlab.image) and in 'mysql-py': a job has one image",
        ),
    ],
)
def test_an_image_that_does_not_fill_is_located(
    project: Callable[..., Project], old: str, new: str, where: str, message: str
) -> None:
    assert old in PYTHONS
    # (the value MySQL is a valid value, and no part of an image's path)
    project(PYTHONS.replace(old, new).replace("db: [sqlite, mysql]", "db: [sqlite, MySQL]"))
    result = invoke("validate")
    assert result.code == 2, result.err
    assert result.err.startswith(where), result.err
    assert message in " ".join(result.err.split()), result.err


def test_the_warning_stays_where_pythons_share_an_image(project: Callable[..., Project]) -> None:
    text = PYTHONS.replace('image: "python:${python}-slim"', 'image: "python:3.13-slim"')
    project(text)
    result = invoke("validate")
    assert result.code == 0, result.err
    (line,) = [x for x in result.err.splitlines() if "outputs.gitlab" in x]
    assert "cells of 2 Pythons (3.9, 3.13) run in image python:3.13-slim" in line, line
    assert "give each Python its image (outputs.gitlab.image: python:${python}-slim)" in line
    assert "pypy3.10" not in line  # its own image holds one Python


CONTAINERS = """\
version: 1
name: containers
axes:
  python:
    values:
      "3.6": {github: {container: "python:3.6-slim"}}
      "3.13": {}
levels:
  unit:
    axes: [python]
    run: python -c "print('unit')"
  lint:
    run: python -c "print('lint')"
    github:
      container:
        image: "registry.example.com/lint:1"
        env: {LINT: "1", EMPTY: "", TOKEN: "${{ secrets.LINT_TOKEN }}", CI_DEBUG_TRACE: "true"}
        options: --cpus 1
outputs:
  matrixgen: matrixgen-cli
  github: .github/workflows/matrix.yml
  gitlab: {file: .gitlab-ci.yml, image: "python:${python}-slim"}
"""


def test_a_github_job_container_is_the_cells_gitlab_image(
    project: Callable[..., Project],
) -> None:
    # One declaration for both targets: GitHub's job container is the image of the cell's
    # GitLab job (on a Docker executor); a value's own gitlab.image still wins over it.
    made = project(CONTAINERS)
    jobs = {
        name: (job.get("image"), cells_of(job))
        for name, job in pipeline(made).items()
        if isinstance(job, dict) and job.get("extends") == ".matrixgen-cell"
    }
    assert jobs == {
        "unit (python:3.6-slim)": ("python:3.6-slim", ["unit/3.6"]),
        "unit (python:3.13-slim)": (None, ["unit/3.13"]),
        "lint": ("registry.example.com/lint:1", ["lint/lint"]),
    }
    # Its env is the job's variables, as it is every step's env in GitHub's container, an
    # empty value too; but not a name GitLab sets itself, nor a value GitHub expands.
    variables = pipeline(made)["lint"]["variables"]
    assert variables == {
        "LINT": "1",
        "EMPTY": "",
        "MATRIXGEN_SERVICES": "native",
        "MATRIXGEN_RETRIES": "0",
    }
    # What the pipeline leaves out is said once, at outputs.gitlab: those, and the options.
    result = invoke("validate")
    assert result.code == 0, result.err
    (line,) = [x for x in result.err.splitlines() if "outputs.gitlab" in x]
    said = " ".join(line.split())
    assert "env TOKEN, CI_DEBUG_TRACE of levels.lint.github.container (its image is" in said
    assert "the options of levels.lint.github.container (its image is the job's; a" in said
    assert "python.values" not in line  # 3.6's container is its image, all of it

    own = CONTAINERS.replace(
        '"3.6": {github: {container: "python:3.6-slim"}}',
        '"3.6": {github: {container: "python:3.6-slim"}, gitlab: {image: "python:3.6-bullseye"}}',
    )
    made = project(own)
    assert pipeline(made)["unit (python:3.6-bullseye)"]["image"] == "python:3.6-bullseye"


def test_a_shell_runner_says_which_containers_and_jobs_it_leaves_out(
    project: Callable[..., Project],
) -> None:
    text = CONTAINERS.replace(
        'gitlab: {file: .gitlab-ci.yml, image: "python:${python}-slim"}',
        "gitlab: .gitlab-ci.yml\n"
        "  github:\n"
        "    file: .github/workflows/matrix.yml\n"
        "    jobs:\n"
        "      coverage: {needs: [gate], steps: [{run: echo done}]}",
    ).replace("  github: .github/workflows/matrix.yml\n", "", 1)
    made = project(text)
    # On the runner itself: no job has an image, and validate names what is left out.
    assert all("image" not in job for job in pipeline(made).values() if isinstance(job, dict))
    result = invoke("validate")
    assert result.code == 0, result.err
    (line,) = [x for x in result.err.splitlines() if "outputs.gitlab" in x]
    said = " ".join(line.split())
    for container in ("axes.python.values.3.6.github.container", "levels.lint.github.container"):
        assert f"{container} (GitHub's job container: set outputs.gitlab.image" in said, said
    assert "the workflow's own jobs (outputs.github.jobs: coverage) are not in it" in said
