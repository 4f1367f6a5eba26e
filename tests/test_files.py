"""The one bounded reader (`files.read_regular`, `read_text`, `load_json`) and its rules,
at the unit level; tests beside each command's own run them through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.examples import examples

from matrixgen.errors import UnreadableFileError
from matrixgen.files import check_inside, load_json, nests_deeper, read_regular, read_text
from matrixgen.run import interpreters, python_seen
from tests.hostile_files import DEVICE, FIFO, plant, too_big


def test_json_nesting_is_capped_at_64_without_recursion() -> None:
    assert load_json("[" * 64 + "]" * 64) is not None
    for depth in (65, 1_000, 100_000):
        with pytest.raises(ValueError, match=r"^lists or objects nested deeper than 64 levels$"):
            load_json("[" * depth + "]" * depth)
    with pytest.raises(ValueError, match="nested deeper"):
        load_json('{"a":' * 100_000 + "1" + "}" * 100_000)


def test_json_brackets_in_strings_do_not_count_and_mismatches_are_syntax_errors() -> None:
    text = json.dumps({"unit/a": 1.5, "[" * 200: "{" * 200, "e": '\\"[' * 100})
    assert not nests_deeper(text)
    assert load_json(text)["unit/a"] == 1.5
    with pytest.raises(json.JSONDecodeError):
        load_json('{"a": [}' + "[" * 100)


def _deeper_by_a_stack(text: str, max_depth: int) -> bool:
    """nests_deeper's answer for text without strings, the plain way: a stack of openers
    (no more openers than the limit is never too deep; json.loads says what is unmatched)."""
    if text.count("[") + text.count("{") <= max_depth:
        return False
    stack: list[str] = []
    for char in text:
        if char in "[{":
            stack.append(char)
            if len(stack) > max_depth:
                return True
        elif char in "]}" and (not stack or stack.pop() + char not in ("[]", "{}")):
            return True
    return bool(stack)


@settings(max_examples=examples(500), deadline=None)
@given(
    depth=st.integers(min_value=0, max_value=70),
    middle=st.text(alphabet="[]{}a,", max_size=60),
)
def test_json_nesting_is_what_a_stack_finds(depth: int, middle: str) -> None:
    """Counted a run of brackets at a time, then paired: the same answer as a stack, for
    nesting about the limit (4 levels: the check starts at more than 4 openers)."""
    text = "[" * depth + middle + "]" * depth
    assert nests_deeper(text, 4) == _deeper_by_a_stack(text, 4)
    assert nests_deeper(text) == _deeper_by_a_stack(text, 64)


@pytest.mark.parametrize(
    ("kind", "why"),
    [("fifo", FIFO), ("dev-zero", DEVICE), ("sparse", too_big(16))],
)
def test_links_are_followed_only_within_the_folder_given(
    tmp_path: Path, kind: str, why: str
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "real.md").write_text("text")
    (project / "inside.md").symlink_to("real.md")
    assert read_regular(project / "inside.md", 100, links=True, within=project) == b"text"
    (tmp_path / "outside.md").write_text("secret")
    (project / "out.md").symlink_to(tmp_path / "outside.md")
    assert read_regular(project / "out.md", 100, links=True, within=project) == (
        f"it is a symbolic link to {tmp_path}/outside.md, outside the project folder; "
        "matrixgen follows no link out of the project (copy the file itself into it)"
    )
    plant(project / "planted.md", kind)
    if kind != "dev-zero":  # a link to /dev/zero leads out of the project
        assert read_regular(project / "planted.md", 16 * 2**20, links=True, within=project) == why
    assert read_regular(project / "planted.md", 16 * 2**20, links=True) == why


def test_read_text_is_none_for_no_file_and_one_line_for_anything_else(tmp_path: Path) -> None:
    assert read_text(tmp_path / "absent.md", 100) is None
    (tmp_path / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    assert read_text(tmp_path / "dangling.md", 100, links=True) is None
    plant(tmp_path / "fifo.md", "fifo")
    with pytest.raises(UnreadableFileError) as error:
        read_text(tmp_path / "fifo.md", 100, what="the page", shown="fifo.md")
    assert str(error.value) == (
        f"fifo.md: cannot read the page: {FIFO}; replace it with a regular UTF-8 file"
    )
    assert error.value.exit_code == 2


def test_check_inside_says_where_a_link_leads(tmp_path: Path) -> None:
    (tmp_path / "page.md").symlink_to("/dev/zero")
    check_inside(tmp_path, "docs/page.md", "matrix.yaml")  # not there yet: inside
    with pytest.raises(Exception, match=r"^page\.md leads outside .*symbolic link to /dev/zero"):
        check_inside(tmp_path, "page.md", "matrix.yaml")


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "sparse"])
def test_run_s_own_small_files_are_read_bounded(tmp_path: Path, kind: str) -> None:
    plant(tmp_path / "python.log", kind)
    assert python_seen.read(tmp_path / "python.log") == python_seen.Seen((), ())
    plant(tmp_path / interpreters.STAMP, kind)
    assert not interpreters._stamped(tmp_path, "digest")
