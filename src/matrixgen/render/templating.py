"""Jinja templates: shipped ones, overridable by name from the project's own templates/ folder.

Every template runs in Jinja's immutable sandbox: a project's templates/ folder is code
that `render --check` (a pre-commit hook that "writes nothing") runs on every commit, so
a template may read the values it is given and nothing else (no `__globals__`, no
`_TemplateReference__context`, no calling into Python). The sandbox's refusal is a
located TemplateError, like any other template error.

Values never reach a generated file by bare interpolation: YAML gets them through the
`yaml` filter (a double-quoted scalar), Python through `py` (repr), compose files
through `compose` (also escaping `$`), workflows through `gh` (also neutralizing `${{`).

Templates are read as every file is (`files.read_regular`): a regular file only, at most
`MAX_BYTES`, a link in the project's templates/ only to a file inside the project (else its
text, a key file say, would be rendered into a generated file); a FIFO or a link to
/dev/zero is a one-line error, never a hang nor a silent fall back to the shipped template.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment

from matrixgen import kept
from matrixgen.errors import MatrixgenError, TemplateError, UnreadableTemplateError
from matrixgen.files import read_regular

TEMPLATE_DIR = "templates"
MAX_BYTES = 2**20  # the biggest shipped template is ~10 KB


@functools.cache  # where matrixgen is installed: the same for the whole process
def shipped_templates() -> Path:
    """The templates in the wheel (matrixgen/templates), or the top-level folder of a checkout."""
    package = Path(__file__).resolve().parents[1]
    wheel = package / TEMPLATE_DIR
    return wheel if wheel.is_dir() else package.parents[1] / TEMPLATE_DIR


# YAML (unlike JSON) folds these inside a double-quoted scalar, or refuses them.
_YAML_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def yaml_quote(value: object) -> str:
    """A YAML double-quoted scalar holding exactly str(value)."""
    text = json.dumps(str(value), ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def compose_quote(value: object) -> str:
    """Like yaml_quote, with `$` doubled: compose interpolates `${VAR}` in every string."""
    return yaml_quote(str(value).replace("$", "$$"))


def github_quote(value: object) -> str:
    """Like yaml_quote, but `${{` becomes an expression that yields the two characters literally.

    GitHub evaluates `${{ }}` inside almost every string of a workflow, and has no escape.
    """
    return yaml_quote(str(value).replace("${{", "${{ '${{' }}"))


def python_repr(value: object) -> str:
    """repr(), preferring double quotes as formatters do."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(python_repr(v) for v in value) + "]"
    text = repr(value)
    if isinstance(value, str) and "'" not in value and '"' not in value:
        return '"' + text[1:-1] + '"'
    return text


class _Loader(jinja2.BaseLoader):
    """Templates by name from folders in order, each read bounded (see the module's doc)."""

    def __init__(self, folders: list[tuple[Path, Path | None]], display: Callable[[Path], str]):
        self.folders = folders  # (folder, where links may lead: None for the shipped ones)
        self.display = display

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)  # refuses `..`
        for folder, within in self.folders:
            path = folder.joinpath(*pieces)
            if not os.path.lexists(path):
                continue
            data = read_regular(path, MAX_BYTES, links=True, within=within)
            shown = self.display(path)
            if isinstance(data, str):
                raise UnreadableTemplateError(
                    f"{shown}: cannot read this template: {data}; "
                    "replace it with a regular UTF-8 file"
                )
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as error:
                raise UnreadableTemplateError(
                    f"{shown}: cannot read this template: not UTF-8 (byte {error.start}); "
                    "save it as UTF-8"
                ) from None
            return text, os.path.normpath(path), _unchanged(path)
        raise jinja2.TemplateNotFound(template)


def _unchanged(path: Path) -> Callable[[], bool]:
    """Jinja's `uptodate`: whether the file is as it was when read."""

    def mtime() -> float | None:
        try:
            return os.path.getmtime(path)
        except OSError:
            return None

    first = mtime()
    return lambda: mtime() == first


class _CompiledOnce(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the process, by name, file and the sha1 of the
    source just read: a second render in one process (a library caller, the test suite)
    compiles nothing again, ~0.1 s of CPU a template set. The text is still read, bounded,
    every time; a changed source is a new checksum. Every environment sharing it is made by
    `Templates` with the same options, so one compiled code serves them all.

    The shipped templates' code is also kept beside matrixgen's bytecode (`kept`), under
    their key, source checksum and Python's cache tag: a `render` in a new process (a
    pre-commit hook's `render --check`) compiles none of them either, a fifth of its CPU.
    What a file holds is Jinja's own format, which checks its Python version and the
    source's checksum before its code is used. A project's own templates compile in each
    process: they are the project's files, not matrixgen's."""

    LIMIT = 512
    SHIPPED = "shipped-"

    def __init__(self) -> None:
        self.code: dict[tuple[str, str], Any] = {}

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        key = super().get_cache_key(name, filename)
        shipped = str(shipped_templates()) + os.sep
        return self.SHIPPED + key if filename and filename.startswith(shipped) else key

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        bucket.code = self.code.get((bucket.key, bucket.checksum))
        if bucket.code is None and bucket.key.startswith(self.SHIPPED):
            try:
                with self._file(bucket).open("rb") as file:
                    bucket.load_bytecode(file)  # reset where Python or the source differs
            except Exception:
                bucket.reset()
            if bucket.code is not None:
                self.code[(bucket.key, bucket.checksum)] = bucket.code

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if len(self.code) >= self.LIMIT:
            self.code.clear()
        self.code[(bucket.key, bucket.checksum)] = bucket.code
        if bucket.key.startswith(self.SHIPPED):
            older = f"{_KEPT}{bucket.key[:24]}.*.{sys.implementation.cache_tag}.bin"
            kept.write(self._file(bucket), bucket.bytecode_to_string(), older)

    @staticmethod
    def _file(bucket: jinja2.bccache.Bucket) -> Path:
        tag = sys.implementation.cache_tag
        return kept.beside(__file__, f"{_KEPT}{bucket.key[:24]}.{bucket.checksum[:16]}.{tag}.bin")


_KEPT = "matrixgen-template."
_COMPILED = _CompiledOnce()


class Templates:
    """The template environment for one project root."""

    def __init__(self, root: Path) -> None:
        self.folders = [root / TEMPLATE_DIR, shipped_templates()]
        self.root = root
        self.environment = ImmutableSandboxedEnvironment(
            loader=_Loader([(self.folders[0], root), (self.folders[1], None)], self._shown),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            bytecode_cache=_COMPILED,
        )
        self.environment.filters.update(
            yaml=yaml_quote,
            compose=compose_quote,
            gh=github_quote,
            py=python_repr,
        )
        self._cache: dict[str, jinja2.Template] = {}

    def render(self, name: str, /, **context: Any) -> str:
        try:
            template = self._cache.get(name)
            if template is None:
                template = self._cache[name] = self.environment.get_template(name)
            return template.render(**context)
        except jinja2.TemplateSyntaxError as error:
            where = self._display(error.filename or name)
            raise TemplateError(
                f"{where}:{error.lineno}: template error: {error.message}"
            ) from None
        except jinja2.TemplateNotFound as error:
            folders = ", ".join(str(f) for f in self.folders)
            raise TemplateError(f"template '{error.name}' not found in {folders}") from None
        except UnreadableTemplateError:
            raise  # already one line naming the file
        except SecurityError as error:
            raise TemplateError(
                f"{self._place(error, name)}: template error: refused by the sandbox: "
                f"{str(error).rstrip('.')}; a template may only use the values matrixgen gives it, "
                "remove that expression"
            ) from None
        except MatrixgenError as error:  # from a function the template called, e.g. `uses`
            raise TemplateError(f"{self._place(error, name)}: template error: {error}") from None
        except Exception as error:
            raise TemplateError(
                f"{self._place(error, name)}: template error: {type(error).__name__}: {error}"
            ) from None

    def _place(self, error: BaseException, name: str) -> str:
        """`file:line` of the template frame that raised, or the template's name."""
        # Jinja rewrites tracebacks so template frames carry the template's file and line.
        frame = _template_frame(error.__traceback__)
        return f"{self._display(frame[0])}:{frame[1]}" if frame else name

    def _shown(self, path: Path) -> str:
        """`path` as the user sees it in the project, a link not resolved."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def _display(self, filename: str) -> str:
        path = Path(filename)
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


def _template_frame(tb: TracebackType | None) -> tuple[str, int] | None:
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found
