"""Template overrides and errors; the support table's statuses and its region's life cycle."""

from __future__ import annotations

import pytest

from matrixgen.errors import OverwriteRefusedError
from matrixgen.render.docs import CellStatus, docs_page, support_table
from matrixgen.render.templating import TemplateError, yaml_quote

from .conftest import Project


def test_project_template_overrides_the_shipped_one_by_name(storage_proxy: Project) -> None:
    storage_proxy.write(
        "templates/compose-profile.yml.j2",
        "name: {{ project | compose }}\ninclude:\n"
        "{% for p in includes %}  - {{ p | compose }}\n{% endfor %}",
    )
    assert storage_proxy.render() == 0
    profile = storage_proxy.read("testing/integration/profiles/sqs-gcs.yml")
    assert profile.splitlines()[1:] == [
        'name: "storage-proxy-integration-sqs-gcs"',
        "include:",
        '  - "../../shared/compose/gcs.yml"',
        '  - "../../shared/compose/sqs.yml"',
        '  - "../compose/crew-gcs-flavor.yml"',
    ]
    assert "x-matrixgen" not in storage_proxy.read("testing/component/profiles/gcs-lww.yml")
    assert "import nox" in storage_proxy.read("noxfile.py")  # other templates are the shipped ones


def test_undefined_name_in_a_template_names_its_file_and_line(storage_proxy: Project) -> None:
    storage_proxy.write(
        "templates/compose-profile.yml.j2", "name: {{ project }}\n\nx: {{ no_such_name }}\n"
    )
    with pytest.raises(
        TemplateError,
        match=r"^templates/compose-profile\.yml\.j2:3: template error: .*no_such_name",
    ):
        storage_proxy.render()
    assert not (storage_proxy.root / "noxfile.py").exists()  # rendering failed before any write


def test_template_syntax_error_names_its_file_and_line(storage_proxy: Project) -> None:
    storage_proxy.write("templates/support-table.md.j2", "ok\n{% for x in %}\n")
    with pytest.raises(TemplateError, match=r"^templates/support-table\.md\.j2:2: template error"):
        storage_proxy.render()


def test_yaml_quote_round_trips_every_character() -> None:
    import yaml

    text = "".join(chr(i) for i in range(1, 0x250)) + "\u2028\u2029\ufeff${{ x }}: #"
    assert yaml.safe_load(yaml_quote(text)) == text


def test_table_shows_declared_and_excluded_before_any_result(storage_proxy: Project) -> None:
    table = support_table(storage_proxy.matrix())
    lines = table.splitlines()
    assert lines[0] == "| Storage backend | Mode | Unit | Component | Integration | End to end |"
    assert (
        "| GCS | passthrough | ○ (gcs-passthrough) | — no GCS passthrough connector yet |  |  |"
        in lines
    )
    redis = next(line for line in lines if line.startswith("| Redis | CAS |"))
    assert redis == "| Redis | CAS | ○ (redis-cas) | ○ (redis-cas) |  | ○ (rabbitmq-redis) |"
    assert len([line for line in lines if line.startswith("|")]) == 2 + 9


def test_worst_status_wins_and_names_its_cells(storage_proxy: Project) -> None:
    matrix = storage_proxy.matrix()
    statuses = {cell.id: CellStatus("passed") for cell in matrix.cells}
    statuses["integration/rabbitmq-s3"] = CellStatus("failed")
    statuses["e2e/sqs-s3"] = CellStatus("skipped", "kind is not installed")
    del statuses["unit/s3-cas"]
    lines = support_table(matrix, statuses).splitlines()
    s3_lww = next(line for line in lines if line.startswith("| S3 | LWW |"))
    assert s3_lww == (
        "| S3 | LWW | ✅ (s3-lww) | ✅ (s3-lww) | ❌ (rabbitmq-s3) "
        "| ⏭ (sqs-s3): kind is not installed |"
    )
    assert (
        next(line for line in lines if line.startswith("| S3 | CAS |")).split(" | ")[2]
        == "❔ (s3-cas)"
    )


def test_report_results_are_kept_by_render_until_the_layout_changes(storage_proxy: Project) -> None:
    assert storage_proxy.render() == 0
    matrix = storage_proxy.matrix()
    statuses = {cell.id: CellStatus("passed") for cell in matrix.cells}
    page = docs_page(matrix, storage_proxy.read("docs/testing.md"), statuses)
    storage_proxy.write("docs/testing.md", page)
    assert storage_proxy.render(check=True) == 0  # results for this very matrix: not stale
    assert storage_proxy.render() == 0
    assert storage_proxy.read("docs/testing.md") == page
    storage_proxy.write(
        "matrix.yaml",
        storage_proxy.read("matrix.yaml").replace("label: CAS", "label: Compare-and-set"),
    )
    assert storage_proxy.render() == 0
    assert storage_proxy.actions()["docs/testing.md"] == "updated"
    assert "✅" not in storage_proxy.read("docs/testing.md").split("\n\n✅ passed")[0]


def test_docs_page_without_markers_is_refused_unless_forced(storage_proxy: Project) -> None:
    matrix = storage_proxy.matrix()
    with pytest.raises(OverwriteRefusedError, match="matrixgen:table:start"):
        docs_page(matrix, "# Notes\n", None)
    forced = docs_page(matrix, "# Notes\n", None, force=True)
    assert forced.startswith("# Notes\n\n<!-- matrixgen:table:start")
