"""Duplicated, missing or reversed region markers: an error naming every marker's line,
with or without --force (which used to append one more region, for good)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from support.cli import Result

from matrixgen.errors import MarkersError
from matrixgen.marks import HASH, Markers, replace_region

from .conftest import Project

START = "# matrixgen:sessions:start"
END = "# matrixgen:sessions:end"


def lines_of(text: str, tag: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines(), 1) if line.startswith(f"# {tag}")]


def duplicated(project: Project) -> str:
    """The generated region twice: what `--force` used to leave behind."""
    text = project.read("noxfile.py")
    start, end = text.index(START), text.index(END) + len(END) + 1
    return text + "\n" + text[start:end]


def swap_markers(text: str) -> str:
    """The start marker line and the end marker line change places."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(START))
    end = next(i for i, line in enumerate(lines) if line.startswith(END))
    lines[start], lines[end] = lines[end], lines[start]
    return "".join(lines)


def reversed_(project: Project) -> str:
    """The end marker above the start marker."""
    return swap_markers(project.read("noxfile.py"))


def only_start(project: Project) -> str:
    return project.read("noxfile.py").replace(END + "\n", "")


@pytest.mark.parametrize("broken", [duplicated, reversed_, only_start])
@pytest.mark.parametrize(
    "args", [["render"], ["render", "--force"], ["render", "--check"], ["render", "--dry-run"]]
)
def test_broken_markers_are_an_error_naming_every_marker_line(
    storage_proxy: Project,
    matrixgen: Callable[..., Result],
    broken: Callable[[Project], str],
    args: list[str],
) -> None:
    assert storage_proxy.render() == 0
    text = broken(storage_proxy)
    storage_proxy.write("noxfile.py", text)
    before = storage_proxy.files()

    result = matrixgen("-C", str(storage_proxy.root), *args)

    assert result.code == 2
    assert result.out == ""
    starts, ends = (
        lines_of(text, "matrixgen:sessions:start"),
        lines_of(text, "matrixgen:sessions:end"),
    )
    assert result.err == expected_message(starts, ends) + "\n"
    assert storage_proxy.files() == before  # nothing written, --force or not


def expected_message(starts: list[int], ends: list[int]) -> str:
    def on(tag: str, found: list[int]) -> str:
        if not found:
            return f"no '{tag}' line"
        if len(found) == 1:
            return f"'{tag}' on line {found[0]}"
        return f"'{tag}' on lines " + ", ".join(map(str, found[:-1])) + f" and {found[-1]}"

    found = f"{on('matrixgen:sessions:start', starts)}, {on('matrixgen:sessions:end', ends)}"
    if len(starts) == len(ends) == 1:
        found += " (the end before the start)"
    return (
        f"noxfile.py: broken matrixgen markers: {found}. Keep exactly one start marker and one "
        "end marker after it, around the generated part (delete the other marker lines), then "
        "run the command again"
    )


def test_the_messages_read_as_they_should(storage_proxy: Project) -> None:
    markers = Markers("sessions", HASH)
    doubled = f"{START}\nx\n{END}\n{START}\ny\n{END}\n"
    with pytest.raises(MarkersError) as error:
        markers.find(doubled, "noxfile.py")
    assert str(error.value).startswith(
        "noxfile.py: broken matrixgen markers: 'matrixgen:sessions:start' on lines 1 and 4, "
        "'matrixgen:sessions:end' on lines 3 and 6. Keep exactly one start marker and one end "
        "marker after it"
    )
    with pytest.raises(MarkersError, match=r"on line 3, '.*end' on line 1 \(the end before"):
        markers.find(f"{END}\nx\n{START}\n", "noxfile.py")
    with pytest.raises(MarkersError, match=r"^the file: broken .*no 'matrixgen:sessions:start'"):
        markers.find(f"x\n{END}\n")
    assert markers.find("no markers at all\n") is None
    assert replace_region(doubled, markers, "x") is None  # report's own refusal follows
    assert MarkersError.exit_code == 2


@pytest.mark.parametrize("broken", [duplicated, reversed_])
def test_after_fixing_the_markers_render_works_again(
    storage_proxy: Project, matrixgen: Callable[..., Result], broken: Callable[[Project], str]
) -> None:
    assert storage_proxy.render() == 0
    good = storage_proxy.read("noxfile.py")
    storage_proxy.write("noxfile.py", broken(storage_proxy))
    assert matrixgen("-C", str(storage_proxy.root), "render").code == 2

    # The fix the message asks for: one start marker and one end marker after it.
    text = storage_proxy.read("noxfile.py")
    end = text.index(END) + len(END) + 1
    text = text[:end] if broken is duplicated else swap_markers(text)
    storage_proxy.write("noxfile.py", text)

    fixed = matrixgen("-C", str(storage_proxy.root), "render")
    assert fixed.code == 0, fixed.err
    assert "noxfile.py" in fixed.out
    assert lines_of(storage_proxy.read("noxfile.py"), "matrixgen:sessions:start") == [
        lines_of(good, "matrixgen:sessions:start")[0]
    ]
    assert matrixgen("-C", str(storage_proxy.root), "render", "--check").code == 0


def test_broken_docs_markers_are_named_the_same_way(
    storage_proxy: Project, matrixgen: Callable[..., Result]
) -> None:
    assert storage_proxy.render() == 0
    page = storage_proxy.read("docs/testing.md")
    storage_proxy.write("docs/testing.md", page + "\n<!-- matrixgen:table:start -->\n")
    result = matrixgen("-C", str(storage_proxy.root), "render", "--force")
    assert result.code == 2
    starts = lines_of(
        storage_proxy.read("docs/testing.md").replace("<!-- ", "# "), "matrixgen:table:start"
    )
    assert starts[1] == len(page.splitlines()) + 2
    assert result.err.startswith(
        f"docs/testing.md: broken matrixgen markers: 'matrixgen:table:start' on lines "
        f"{starts[0]} and {starts[1]}, 'matrixgen:table:end' on line "
    )
