"""Checks of the paths matrix.yaml names and of the install lines it renders (the paths
themselves: `paths`; what each output writes: the registry, `targets`).

Paths (the compose files and overlays it reads, the outputs it writes) must stay inside
the project folder, the folder of matrix.yaml; the files it reads must be there.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

from matrixgen import DISTRIBUTION
from matrixgen.errors import Problem
from matrixgen.files import not_regular
from matrixgen.load.document import Document, PathKey
from matrixgen.load.installed import Installed, installed
from matrixgen.load.model import MatrixFile
from matrixgen.load.paths import normalized, outside, read_files
from matrixgen.load.placeholders import names
from matrixgen.load.targets import installing, written_files, written_patterns


def check_paths(doc: Document, model: MatrixFile, root: Path | None) -> Iterator[Problem]:
    """Every path stays inside the project; with `root`, every file read is there."""
    for where, path, what in read_files(model):
        if outside(path):
            yield doc.problem(where, _outside(path))
        elif root is not None and not (root / path).is_file():
            relative = f"the {what}; paths are relative to the folder of {Path(doc.file).name}"
            if (root / path).is_dir():
                yield doc.problem(where, f"'{path}' is a folder ({relative}); fix the path")
            elif os.path.lexists(root / path):  # a FIFO, a device, a dangling link: never read
                why = _not_a_file(root / path)
                yield doc.problem(
                    where, f"'{path}' cannot be read ({relative}): {why}; make it a regular file"
                )
            else:
                yield doc.problem(
                    where, f"no such file '{path}' ({relative}); create it or fix the path"
                )
    for where, path in [*written_files(model), *written_patterns(model)]:
        if outside(path):
            yield doc.problem(where, _outside(path))
        elif normalized(path) == ".":
            yield doc.problem(where, f"'{path}' is the project folder itself; name a file in it")


def _not_a_file(path: Path) -> str:
    try:
        return not_regular(os.stat(path).st_mode) or "it is not a regular file"
    except OSError:
        return "it is a symbolic link to nothing"


def _outside(path: str) -> str:
    return (
        f"'{path}' must stay inside the project folder (the folder of matrix.yaml); "
        "write it relative to that folder, without '..' leading out of it"
    )


# `matrixgen`, alone or with a version specifier, extras, a marker or a direct URL.
_UNRELATED = re.compile(r"^\s*matrixgen\s*(?:$|[\[(<>=!~;@])", re.IGNORECASE)


def check_install_lines(doc: Document, model: MatrixFile) -> Iterator[Problem]:
    """Neither install line may name the index's `matrixgen`, an unrelated project; an
    output that installs matrixgen needs a line for it, set or derived (`load.installed`)."""
    outputs = model.outputs
    unrelated = (
        "'matrixgen' on the package index is an unrelated project; matrixgen's own "
        f"distribution is '{DISTRIBUTION}', and `outputs.matrixgen` installs it"
    )
    # Read only when a message or a rendered output needs it (importlib.metadata: ~9 ms).
    if outputs.matrixgen is not None and _UNRELATED.match(outputs.matrixgen):
        own = installed()
        fix = (
            f"write `{own.line}` here, or remove the key for that default"
            if own.line is not None
            else f"write `{_suggestion(doc, own)}` here"
        )
        yield doc.problem(("outputs", "matrixgen"), f"{unrelated}: {fix}")
    for index, line in enumerate(outputs.install):
        if _UNRELATED.match(line):
            default = f" (default {installed().line})" if installed().line is not None else ""
            yield doc.problem(
                ("outputs", "install", index), f"{unrelated}{default}: remove this line"
            )
    lines = list(_install_lines(doc))
    yield from _check_file_options(doc, lines)
    yield from _check_install_placeholders(doc, model, lines)
    needing = installing(model)
    if outputs.matrixgen is None and needing and (own := installed()).line is None:
        keys = " and ".join(f"outputs.{key}" for key in needing)
        install = "installs" if len(needing) == 1 else "install"
        yield doc.problem(
            ("outputs",),
            f"no install line for matrixgen: {keys} {install} it in each session or job, "
            f"and the matrixgen that renders is {own.source}, which a CI runner or another "
            "machine cannot install; set the line, e.g. "
            f'`outputs: {{matrixgen: "{_suggestion(doc, own)}"}}` (for runs on this machine), '
            "or render with a matrixgen installed from a package index, a git URL or an "
            "archive URL, whose line is the default",
            key=True,
        )


# A requirements file's options naming a file: pip reads one of them a line.
_FILE_OPTION = re.compile(r"^(?:-r|-c|--requirement|--constraint)(?:=|$)|^-[rc]\S")


def _check_file_options(doc: Document, lines: list[tuple[PathKey, str]]) -> Iterator[Problem]:
    """Each install line (`outputs.install`, `install.pip` of a value, level, suite or
    service, `github.install.pip`) is a line of a requirements file, where pip reads the
    first `-r` (else the first `-c`) and drops the others silently (uv takes the rest for
    the file's name): `pip install -r a.txt -r b.txt` copied as one line loses b.txt."""
    for path, text in lines:
        try:
            words = shlex.split(text)
        except ValueError:
            continue
        found = [w for w in words if _FILE_OPTION.match(w)]
        if len(found) < 2:
            continue
        split = ", ".join(f'"{line}"' for line in _split_options(words))
        yield doc.problem(
            path,
            f"'{text}' names {len(found)} files, and an install line is a line of a "
            "requirements file, where pip reads one `-r`/`-c` and silently drops the others "
            f"(uv takes the rest for the file's name); write each on a line of its own: [{split}]",
        )


# pip's own expansion in a requirements file: `${NAME}` of upper-case letters, digits, `_`.
_PIP_VARIABLE = re.compile(r"[A-Z0-9_]+")
# A name matrixgen would fill elsewhere (an axis, `port`, `env.X`); `${{ ... }}` is GitHub's
# expression syntax, which the workflow neutralizes as any other text.
_PLACEHOLDER_NAME = re.compile(r"[A-Za-z_][\w.-]*")


def _check_install_placeholders(
    doc: Document, model: MatrixFile, lines: list[tuple[PathKey, str]]
) -> Iterator[Problem]:
    """An install line is installed as written, the same for every cell that has it: a
    `${name}` there would reach pip as it is (`redis==${redis-py}`). pip's own `${NAME}`
    (an environment variable, upper case) stays: pip fills it."""
    for path, text in lines:
        for name, _offset in names(text):
            if _PIP_VARIABLE.fullmatch(name) or not _PLACEHOLDER_NAME.fullmatch(name):
                continue
            if name in model.axes:
                fix = (
                    f"give each value of '{name}' its own line "
                    f"(axes.{name}.values.<value>.install.pip: [...])"
                )
            else:
                fix = (
                    "remove it, or write an environment variable pip fills, in upper case (${NAME})"
                )
            yield doc.problem(
                path,
                f"'{text}' names ${{{name}}}, and an install line takes no placeholder: it is "
                f"installed as written, the same for each cell that has it; {fix}",
            )
            break


def _install_lines(doc: Document) -> Iterator[tuple[PathKey, str]]:
    """Each install line of the file with its key: `outputs.install[i]` and every
    `install.pip[i]` (of a value, level, suite, service or `github:`)."""
    for path in doc.marks:
        if len(path) == 3 and path[:2] == ("outputs", "install") and isinstance(path[2], int):
            pass
        elif not (
            len(path) >= 3 and path[-3:-1] == ("install", "pip") and isinstance(path[-1], int)
        ):
            continue
        value: object = doc.data
        try:
            for key in path:
                value = value[key]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(value, str):
            yield path, value


def _split_options(words: list[str]) -> list[str]:
    """The words of a line as lines of one file option each (`-r a.txt`)."""
    lines: list[list[str]] = []
    for word in words:
        if _FILE_OPTION.match(word) or not lines:
            lines.append([word])
        else:
            lines[-1].append(word)
    return [shlex.join(line) for line in lines]


def _suggestion(doc: Document, own: Installed) -> str:
    """A line for `outputs.matrixgen` that installs the running matrixgen on this machine."""
    if own.folder is not None:
        root = Path(doc.file).absolute().parent
        if os.path.commonpath([own.folder, root]) == root.anchor:  # nothing shared but `/`
            return f"-e {own.folder.as_posix()}"
        return f"-e {Path(os.path.relpath(own.folder, root)).as_posix()}"
    return own.local_line or "-e path/to/matrixgen"
