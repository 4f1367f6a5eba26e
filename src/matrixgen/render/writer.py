"""Compare rendered outputs with the disk, then write, check or just report.

Rendering is in memory; this module decides per file whether it is created, updated,
unchanged or deleted, and refuses to touch what the user owns (a file without
matrixgen's header or markers, a generated file edited by hand) unless forced.
Writes are atomic: a temporary file beside the target, then `os.replace`.

Nothing is written or deleted outside the project root (the folder of matrix.yaml), not
even through a symlinked folder: every path is resolved first, and one that lands outside
is an error that no --force overrides (`files.check_inside`, the rule `report` follows for
the docs page too). Every existing file is read bounded (`files.read_text`): a FIFO or a
device is one line and exit 2, never a hang. A file checked out with CRLF line endings keeps
them (digests are of LF text, see `marks`), so such a checkout renders unchanged.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from matrixgen.errors import MatrixgenError, OutsideRootError, OverwriteRefusedError
from matrixgen.files import check_inside, inside, outside_root, read_text, write_atomic
from matrixgen.marks import append_region, read_header, uses_crlf, with_header, with_newlines
from matrixgen.render.target import Output, Rendered

_WOULD = {"created": "would create", "updated": "would update", "deleted": "would delete"}
_WIDTH = max(len(label) for label in _WOULD.values())  # labels line up in every mode


# A generated file or a page with a region: the biggest, a workflow of 10,000 jobs, is ~5 MB.
MAX_BYTES = 16 * 2**20


@dataclass(frozen=True)
class Change:
    path: str
    old: str | None  # None: the file does not exist yet
    new: str | None  # None: the file is to be deleted
    refused: str | None = None  # why writing needs --force

    @property
    def action(self) -> str:
        if self.new is None:
            return "deleted"
        if self.old is None:
            return "created"
        return "unchanged" if self.old == self.new else "updated"

    @property
    def would(self) -> str:
        """The action as --check and --dry-run report it: nothing happened yet."""
        return _WOULD.get(self.action, self.action)

    @property
    def stale(self) -> bool:
        return self.action != "unchanged"

    def diff(self) -> str:
        old = (self.old or "").splitlines(keepends=True)
        new = (self.new or "").splitlines(keepends=True)
        lines = difflib.unified_diff(
            old,
            new,
            "/dev/null" if self.old is None else f"a/{self.path}",
            "/dev/null" if self.new is None else f"b/{self.path}",
        )
        return "".join(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            for line in lines
        )


def read(root: Path, relative: str) -> str | None:
    """The file as it is (newlines as written), None when absent; exit 2 when it is no
    regular UTF-8 file or a link leads out of the project (checked before, and again here)."""
    return read_text(root / relative, MAX_BYTES, shown=relative, links=True, within=root)


def plan(root: Path, source: str, rendered: Iterable[Rendered], *, force: bool) -> list[Change]:
    """Every file the render touches, in output order, then deletions in path order."""
    changes: list[Change] = []
    written: set[str] = set()
    owned: list[str] = []
    for result in rendered:
        owned.extend(result.owned)
        for output in result.outputs:
            check_inside(root, output.path, source)
            if output.path in written:
                raise MatrixgenError(
                    f"two outputs render to {output.path}; check `outputs:` in {source}"
                )
            written.add(output.path)
            changes.append(_change(root, source, output, force=force))
    deletions: dict[str, Change] = {}
    for pattern in owned:
        parts = PurePosixPath(pattern).parts
        if not parts or PurePosixPath(pattern).is_absolute() or ".." in parts:
            raise OutsideRootError(outside_root(pattern, source))
        for path in root.glob(pattern):
            relative = path.relative_to(root).as_posix()
            if relative in written or relative in deletions or not path.is_file():
                continue
            if not inside(root, relative):
                continue  # reached through a symlink: another project's file, never ours
            text = read(root, relative)
            header = read_header(text or "")
            if header is None or header.source != source:
                continue  # not ours: a user's file, or generated from another matrix file
            refused = _edited(relative) if header.edited and not force else None
            deletions[relative] = Change(relative, text, None, refused)
    return changes + [deletions[p] for p in sorted(deletions)]


def _edited(path: str) -> str:
    return (
        f"{path} was edited by hand since matrixgen generated it; move the change into matrix.yaml "
        "or templates/, or rerun with --force to discard it"
    )


def _change(root: Path, source: str, output: Output, *, force: bool) -> Change:
    old = read(root, output.path)
    crlf = old is not None and uses_crlf(old)
    region = output.region
    if region is None:
        new = with_newlines(with_header(output.body, source, output.comment), crlf)
        if old is None or force:
            return Change(output.path, old, new)
        header = read_header(old)
        if header is None:
            why = (
                f"{output.path} exists and was not generated by matrixgen; "
                "move it away or rerun with --force"
            )
            return Change(output.path, old, new, why)
        return Change(output.path, old, new, _edited(output.path) if header.edited else None)
    text = with_newlines(region.markers.region(output.body, source), crlf)
    if old is None:
        return Change(output.path, old, region.new_file(text))
    span = region.markers.find(old, output.path)
    if span is None:
        new = append_region(old, text)
        if crlf:  # the user's CRLF part, the blank line and the region all in CRLF
            new = with_newlines(append_region(with_newlines(old, False), text), crlf=True)
        why = (
            f"{output.path} has no matrixgen region (lines '{region.markers.start_tag}' and "
            f"'{region.markers.end_tag}', once each, in comments); add them where the generated "
            "part belongs, or rerun with --force to append it"
        )
        return Change(output.path, old, new, None if force else why)
    new = old[: span.begin] + text + old[span.end :]
    return Change(
        output.path, old, new, _edited(output.path) if span.edited and not force else None
    )


def write(
    root: Path, changes: Iterable[Change], echo: Callable[[str], None] = lambda _: None
) -> None:
    """Write the stale files, delete the vanished ones; a line per file once it is done."""
    for change in changes:
        path = root / change.path
        if not inside(root, change.path):  # `plan` checked; a symlink made since must not win
            raise OutsideRootError(
                f"{change.path} now leads outside the project folder (a symlink made while "
                "rendering?); stopped before writing it"
            )
        if change.new is None:
            path.unlink()
            _remove_empty(path.parent, root)
        elif change.stale:
            write_atomic(path, change.new)
        echo(_line(change.action, change.path))


def _line(label: str, path: str, note: str = "") -> str:
    return f"{label:<{_WIDTH}} {path}{note}"


def _remove_empty(folder: Path, root: Path) -> None:
    # A vanished level leaves its profiles/ folder empty; drop it, but never climb past the
    # root, nor remove a symlink's target.
    while (
        folder != root
        and root in folder.parents
        and not folder.is_symlink()
        and not any(folder.iterdir())
    ):
        folder.rmdir()
        folder = folder.parent


def settle(
    root: Path,
    changes: list[Change],
    *,
    check: bool,
    dry_run: bool,
    fix: str,
    echo: Callable[[str], None],
) -> int:
    """Write, or diff and judge (--check), or only tell (--dry-run); a line per file says
    what happened or, without writing, what would. Returns the exit code.

    A refusal (a file the user owns, a generated file edited by hand) writes nothing at
    all, so no file is reported as written: the error lists the refused files and why.
    """
    refused = [c for c in changes if c.refused]
    if check:
        return _check(changes, fix=fix, echo=echo)
    if refused:
        raise OverwriteRefusedError(
            f"refused {len(refused)} file{'s' if len(refused) != 1 else ''}; nothing written:\n"
            + "\n".join(f"  {c.refused}" for c in refused)
        )
    if dry_run:
        for change in changes:
            echo(_line(change.would, change.path))
        echo("dry run: nothing written")
        return 0
    write(root, changes, echo)
    return 0


def _check(changes: list[Change], *, fix: str, echo: Callable[[str], None]) -> int:
    for change in changes:
        echo(_line(change.would, change.path, " (needs --force)" if change.refused else ""))
    stale = [c for c in changes if c.stale or c.refused]
    for change in stale:
        echo(change.diff().rstrip("\n"))
        if change.refused:
            echo(f"note: {change.refused}")
    if not stale:
        return 0
    command = fix + (" --force" if any(c.refused for c in stale) else "")
    echo(f"{len(stale)} generated file(s) out of date; run `{command}` to update them")
    return 1
