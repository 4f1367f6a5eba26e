"""The support table: skeleton and report forms, worst-wins, naming, notes, escaping."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.golden import assert_golden

from matrixgen.errors import OverwriteRefusedError
from matrixgen.load.matrix import load
from matrixgen.outcome.status import Status
from matrixgen.results.collect import skeleton
from matrixgen.results.docs import docs_page
from matrixgen.results.table import Notes, build_table, cell_text, markdown_escape, support_table

from .helpers import DESIGN

GOLDEN = Path(__file__).parent / "golden"


def test_skeleton_of_the_design_matrix() -> None:
    assert_golden(GOLDEN / "skeleton.md", support_table(load(DESIGN)))


def test_skeleton_marks_declared_and_excluded_with_reasons() -> None:
    matrix = load(DESIGN)
    table = build_table(matrix, skeleton(matrix))
    rows = {tuple(labels): cells for labels, cells in table.rows}
    assert table.column_labels == ["Unit", "component", "integration", "e2e"]
    redis_lww = rows[("Redis", "LWW")]
    assert {m.status for c in redis_lww for m in c.members} == {Status.EXCLUDED}
    # an include that brings back an excluded id runs, and lands in its own row
    assert [m.id for m in rows[("Redis", "CAS")][3].members] == ["e2e/rabbitmq-redis"]
    assert rows[("S3", "CAS")][2].members == []  # integration pins mode=lww


def test_worst_wins_and_groups_name_their_cells() -> None:
    matrix = load(DESIGN)
    statuses = skeleton(matrix)
    statuses["integration/sqs-s3"].status = Status.PASSED
    statuses["integration/rabbitmq-s3"].status = Status.FAILED
    table = build_table(matrix, statuses)
    cell = dict((tuple(labels), cells) for labels, cells in table.rows)[("S3", "LWW")][2]
    assert cell.status is Status.FAILED
    assert table.names(cell)
    assert cell_text(cell, True, Notes()) == "❌ (rabbitmq-s3) ✅ (sqs-s3)"


def test_cells_named_only_when_the_headings_do_not_say_which() -> None:
    matrix = load(DESIGN)
    table = build_table(matrix, skeleton(matrix))
    rows = {tuple(labels): cells for labels, cells in table.rows}
    assert not table.names(rows[("S3", "LWW")][0])  # unit/s3-lww: backend × mode is the row
    assert table.names(rows[("Redis", "CAS")][3])  # e2e/rabbitmq-redis spans transport


def test_reasons_become_numbered_notes() -> None:
    matrix = load(DESIGN)
    statuses = skeleton(matrix)
    statuses["e2e/sqs-s3"].status = Status.SKIPPED
    statuses["e2e/sqs-s3"].reason = "requires docker, kind"
    text = support_table(matrix, statuses)
    assert "⏭¹ (sqs-s3) ○ (rabbitmq-s3)" in text
    assert "- ¹ skipped: requires docker, kind" in text
    assert "- ³ excluded: the Redis connector implements CAS only" in text


def test_labels_and_reasons_are_inert_markdown() -> None:
    assert markdown_escape("a | b <script>\n*x*") == "a \\| b &lt;script&gt; \\*x\\*"


START = "<!-- matrixgen:table:start -->"
END = "<!-- matrixgen:table:end -->"


def test_docs_page_replaces_only_between_markers() -> None:
    matrix = load(DESIGN)
    page = f"# Title\n\nmine\n{START}\nold\n{END}\nafter\n"
    new = docs_page(matrix, page, skeleton(matrix))
    assert new.startswith("# Title\n\nmine\n<!-- matrixgen:table:start (digest ")
    assert new.endswith(END + "\nafter\n")
    assert "old" not in new and support_table(matrix, skeleton(matrix)) in new
    assert docs_page(matrix, new, skeleton(matrix)) == new  # idempotent


@pytest.mark.parametrize(
    "page", ["no markers\n", f"{END}\n{START}\n", f"{START}\n{START}\n{END}\n"]
)
def test_a_page_without_one_pair_of_markers_is_refused(page: str) -> None:
    with pytest.raises(
        OverwriteRefusedError, match=r"^docs\.md has no '<!-- matrixgen:table:start"
    ):
        docs_page(load(DESIGN), page, None, name="docs.md")
