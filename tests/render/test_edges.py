"""Edge cases of the targets and the writer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from support import yamls

from matrixgen.errors import MarkersError, MatrixgenError
from matrixgen.marks import HTML, Markers, replace_region
from matrixgen.results.table import support_table

from .conftest import Project

SMALL = """
version: 1
name: edge
axes:
  db:
    values:
      pg: {label: PostgreSQL, services: [pg]}
      my: {label: MySQL, services: [my]}
  python: ["3.11", "3.12"]
services:
  pg: {compose: shared/pg.yml}
  my: {compose: shared/my.yml}
levels:
  2e.x:
    axes: [db, python]
    run: pytest
    env: {NS: "${namespace}-${db}"}
  class:
    axes: [db]
    run: pytest
    timeout: 90s
outputs:
  compose: "profiles/${level}/${cell}.yml"
  github: ci.yml
  docs: {file: matrix.md, rows: [db], columns: python}
"""


@pytest.fixture
def small(project: Callable[[str], Project]) -> Project:
    proj = project(SMALL)
    proj.write("shared/pg.yml", "services:\n  pg:\n    image: postgres\n")
    proj.write("shared/my.yml", "services:\n  my:\n    image: mysql\n")
    return proj


def test_odd_level_names_become_valid_job_ids_and_timeouts_round_up(small: Project) -> None:
    assert small.render() == 0
    jobs = yamls.load(small.read("ci.yml"))["jobs"]
    assert list(jobs) == ["level_2e_x", "class", "gate"]
    assert jobs["gate"]["needs"] == ["level_2e_x", "class"]
    # 90 s rounds up to 2 minutes; no setup allowance unless `setup-minutes:` declares one.
    assert {e["timeout"] for e in jobs["class"]["strategy"]["matrix"]["include"]} == {2}
    assert {e["timeout"] for e in jobs["level_2e_x"]["strategy"]["matrix"]["include"]} == {360}


def test_run_time_placeholders_become_compose_interpolation_in_the_env_file(
    small: Project,
) -> None:
    assert small.render() == 0
    profile = yamls.load(small.read("profiles/2e.x/pg-3.11.yml"))
    assert profile["include"] == [{"path": "../../shared/pg.yml", "env_file": "pg-3.11.env"}]
    env = small.read("profiles/2e.x/pg-3.11.env").splitlines()
    # The run's namespace (MATRIXGEN_NAMESPACE in compose's environment) or this default.
    assert 'MATRIXGEN_NAMESPACE="${MATRIXGEN_NAMESPACE:-mg' in env[-2]
    assert env[-1] == 'NS="${MATRIXGEN_NAMESPACE}-pg"'


def test_table_columns_can_be_an_axis(small: Project) -> None:
    lines = support_table(small.matrix()).splitlines()
    # `class` cells have no python: they get an `any` column. No heading names the level,
    # so every table cell names its cells by id.
    assert lines[0] == "| Db | 3.11 | 3.12 | any |"
    assert lines[2] == "| PostgreSQL | ○ (2e.x/pg-3.11) | ○ (2e.x/pg-3.12) | ○ (class/pg) |"


def test_emptied_profile_folder_is_removed(small: Project) -> None:
    assert small.render() == 0
    small.write(
        "matrix.yaml",
        small.read("matrix.yaml").replace("  class:\n    axes: [db]\n", "  class:\n    axes: []\n"),
    )
    text = small.read("matrix.yaml").replace(
        "  2e.x:\n    axes: [db, python]\n", "  2e.x:\n    axes: [python]\n    with: {db: pg}\n"
    )
    small.write("matrix.yaml", text)
    assert small.render() == 0
    assert not (small.root / "profiles/2e.x/my-3.11.yml").exists()
    assert (small.root / "profiles/2e.x/3.11.yml").exists()
    assert not (small.root / "profiles/class").exists()  # `class` has no services now
    assert small.actions()["profiles/class/pg.yml"] == "deleted"


def test_two_cells_in_one_profile_is_an_error(small: Project) -> None:
    small.write(
        "matrix.yaml",
        small.read("matrix.yaml").replace("profiles/${level}/${cell}.yml", "profiles/${cell}.yml"),
    )
    small.write(
        "matrix.yaml",
        small.read("matrix.yaml").replace("axes: [db]\n    run", "axes: [db, python]\n    run"),
    )
    with pytest.raises(MatrixgenError, match=r"in one file \(profiles/pg-3.11.yml\)"):
        small.render()


def test_nothing_to_render_without_outputs(project: Callable[[str], Project]) -> None:
    proj = project("version: 1\nlevels:\n  unit: {run: pytest}\n")
    assert proj.render() == 0
    assert proj.lines == ["nothing to render: matrix.yaml has no `outputs:`"]


def test_file_that_is_not_utf8_is_an_error(small: Project) -> None:
    (small.root / "matrix.md").write_bytes(b"\xff\xfe broken")
    with pytest.raises(MatrixgenError, match="not UTF-8"):
        small.render()


def test_replace_region_keeps_text_around_it() -> None:
    markers = Markers("table", HTML)
    page = "intro\n" + markers.region("old\n", "m.yaml") + "outro\n"
    new = replace_region(page, markers, markers.region("new\n", "m.yaml"))
    assert (
        new is not None
        and new.startswith("intro\n<!-- matrixgen:table:start")
        and new.endswith("end -->\noutro\n")
    )
    assert "new\n" in new and "old" not in new
    assert replace_region("no markers\n", markers, "x") is None
    doubled = page + markers.region("again\n", "m.yaml")
    with pytest.raises(MarkersError, match="on lines 2 and 6"):  # two regions: ambiguous
        markers.find(doubled)
