"""Template overrides and errors; the support table's skeleton and its docs region."""

from __future__ import annotations

import pytest
from support import yamls

from matrixgen.errors import OverwriteRefusedError, TemplateError
from matrixgen.render.templating import yaml_quote
from matrixgen.results.docs import docs_page, region_body
from matrixgen.results.table import support_table

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
        '  - "../compose/crew-gcs-flavor.yml"',
        '  - "../../shared/compose/sqs.yml"',
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
    storage_proxy.write("templates/compose-profile.yml.j2", "ok\n{% for x in %}\n")
    with pytest.raises(
        TemplateError, match=r"^templates/compose-profile\.yml\.j2:2: template error"
    ):
        storage_proxy.render()


def test_yaml_quote_round_trips_every_character() -> None:

    text = "".join(chr(i) for i in range(1, 0x250)) + "\u2028\u2029\ufeff${{ x }}: #"
    assert yamls.load(yaml_quote(text)) == text


def test_table_shows_declared_and_excluded_before_any_result(storage_proxy: Project) -> None:
    table = support_table(storage_proxy.matrix())
    lines = table.splitlines()
    assert lines[0] == "| Storage backend | Mode | Unit | Component | Integration | End to end |"
    assert "| GCS | passthrough | ○ | —² |  |  |" in lines
    assert "| Redis | CAS | ○ | ○ |  | ○ (rabbitmq-redis) |" in lines
    assert len([line for line in lines if line.startswith("|")]) == 2 + 9
    assert "- ² excluded: no GCS passthrough connector yet" in lines


def test_the_region_render_writes_is_the_skeleton_table(storage_proxy: Project) -> None:
    assert storage_proxy.render() == 0
    matrix = storage_proxy.matrix()
    page = storage_proxy.read("docs/testing.md")
    body = region_body(matrix)
    assert body.startswith("<!-- statuses: declared; layout ")
    assert body.endswith(support_table(matrix))
    assert body in page
    assert docs_page(matrix, page, None) == page  # render and docs_page agree on the region


def test_docs_page_without_markers_is_refused_unless_forced(storage_proxy: Project) -> None:
    matrix = storage_proxy.matrix()
    with pytest.raises(OverwriteRefusedError, match="matrixgen:table:start"):
        docs_page(matrix, "# Notes\n", None)
    forced = docs_page(matrix, "# Notes\n", None, force=True)
    assert forced.startswith("# Notes\n\n<!-- matrixgen:table:start")
