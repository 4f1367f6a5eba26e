"""What a value of the `python` axis means: one interpreter, the same everywhere.

A value is read once here, and every consumer asks the parsed `Python` what it needs:
setup-python's `python-version` (CI jobs), the executables to look for (`matrixgen run`),
and whether a recorded interpreter is the declared one (the JUnit stamp, `report`).

    3.12, 3.6        CPython 3.12, 3.6 (3.6 is the oldest `matrixgen run` can make a venv of)
    3.13t            the free-threaded build of CPython 3.13 (PEP 703)
    3.15-dev         CPython 3.15 while it is a pre-release (setup-python's spelling)
    pypy3.10         PyPy for Python 3.10; `pypy-3.10` is the same (setup-python takes both)
    graalpy-24.1     GraalPy 24.1 (its own version, as setup-python numbers it)

What ran is recorded as `describe` writes it: "3.12.1", "3.13.0t", "pypy3.9.16-7.3.11",
"graalpy3.11.7-24.1.0" (the language version, then the implementation's own).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OLDEST = (3, 6)  # venv with pip (ensurepip) and the noting hook's f-string-free code
_CPYTHON = re.compile(r"(\d+)\.(\d+)(t?)(-dev)?")
_PYPY = re.compile(r"pypy-?(\d+)\.(\d+)")
_GRAALPY = re.compile(r"graalpy-?(\d+)\.(\d+)")
# A recorded interpreter: implementation prefix, language version, free-threaded flag, and
# the implementation's own version after a dash (PyPy, GraalPy).
_RECORDED = re.compile(
    r"(pypy|graalpy)?(\d+)\.(\d+)(?:\.\d+)?((?:a|b|rc)\d+)?(t?)(?:-(\d+)\.(\d+)\S*)?"
)


@dataclass(frozen=True)
class _Spelling:
    """How each tool names an implementation's interpreters ({0}.{1}: the version; {t}: "t"
    for a free-threaded build)."""

    setup_python: str
    executables: tuple[str, ...]
    pyenv_prefix: str
    uv_request: str


_SPELLINGS = {
    "cpython": _Spelling("{0}.{1}", ("python{0}.{1}{t}",), "{0}.{1}.", "{0}.{1}{t}"),
    "pypy": _Spelling(
        "pypy{0}.{1}", ("pypy{0}.{1}", "pypy{0}", "pypy"), "pypy{0}.{1}-", "pypy@{0}.{1}"
    ),
    # uv numbers GraalPy by its language version; setup-python and pyenv by its own.
    "graalpy": _Spelling("graalpy-{0}.{1}", ("graalpy",), "graalpy-{0}.{1}.", "graalpy@{0}.{1}"),
}


@dataclass(frozen=True)
class Python:
    """One interpreter a python value names."""

    value: str  # as written in matrix.yaml
    implementation: str  # "cpython", "pypy", "graalpy"
    version: tuple[int, int]  # the language version; GraalPy's own version for graalpy
    free_threaded: bool = False
    prerelease: bool = False

    def _spell(self, template: str) -> str:
        major, minor = self.version
        return template.format(major, minor, t="t" if self.free_threaded else "")

    @property
    def setup_python(self) -> str:
        """setup-python's `python-version`: "3.14" for 3.14t (with `freethreaded`), "3.15"
        for 3.15-dev (with `allow-prereleases`), "pypy3.10", "graalpy-24.1"."""
        return self._spell(_SPELLINGS[self.implementation].setup_python)

    @property
    def executables(self) -> tuple[str, ...]:
        """Names to look for on PATH, most specific first."""
        return tuple(self._spell(name) for name in _SPELLINGS[self.implementation].executables)

    @property
    def pyenv_prefix(self) -> str:
        """The start of pyenv's folder names for it: "3.12.", "pypy3.10-", "graalpy-24.1."."""
        return self._spell(_SPELLINGS[self.implementation].pyenv_prefix)

    @property
    def uv_request(self) -> str:
        """What `uv python find` takes for it."""
        return self._spell(_SPELLINGS[self.implementation].uv_request)

    def matches(self, recorded: str) -> bool:
        """Whether an interpreter recorded as `recorded` ("3.10.13", "pypy3.9.16-7.3.11")
        is this one: same implementation, same version, same build (free-threaded or not)."""
        found = _RECORDED.fullmatch(recorded.strip())
        if found is None:
            return False
        implementation = found[1] or "cpython"
        if implementation != self.implementation:
            return False
        if implementation == "graalpy":
            return found[6] is not None and (int(found[6]), int(found[7])) == self.version
        language = (int(found[2]), int(found[3]))
        return language == self.version and bool(found[5]) == self.free_threaded


def parse(value: str) -> Python | str:
    """The interpreter `value` names, or why it names none that matrixgen can run (a
    sentence that ends with what to write instead)."""
    text = value.strip()
    cpython = _CPYTHON.fullmatch(text)
    if cpython:
        version = (int(cpython[1]), int(cpython[2]))
        if version < OLDEST:
            return (
                f"Python {version[0]}.{version[1]} cannot be run by `matrixgen run`: it makes "
                f"each cell a virtual environment, which needs Python {OLDEST[0]}.{OLDEST[1]} "
                "or later (venv with pip; uv and virtualenv no longer make Python 2 ones); "
                "run those tests outside matrixgen, or remove the value"
            )
        return Python(text, "cpython", version, bool(cpython[3]), bool(cpython[4]))
    pypy = _PYPY.fullmatch(text)
    if pypy:
        version = (int(pypy[1]), int(pypy[2]))
        if version < OLDEST:
            return (
                f"PyPy for Python {version[0]}.{version[1]} cannot be run by `matrixgen run` "
                "(it makes each cell a virtual environment with venv, which PyPy 2 lacks); "
                "write a PyPy 3 version such as pypy3.10"
            )
        return Python(text, "pypy", version)
    graalpy = _GRAALPY.fullmatch(text)
    if graalpy:
        return Python(text, "graalpy", (int(graalpy[1]), int(graalpy[2])))
    return (
        "write a CPython version such as 3.13 (3.13t: free-threaded; 3.15-dev: a "
        "pre-release), a PyPy such as pypy3.10, or a GraalPy such as graalpy-24.1"
    )


def is_recorded(text: str) -> bool:
    """Whether `text` reads as an interpreter recorded by `describe_code`."""
    return _RECORDED.fullmatch(text.strip()) is not None


def matches(recorded: str, declared: str) -> bool:
    """Whether the recorded interpreter is the declared python value (see `Python.matches`);
    a declared value this module does not read matches only itself."""
    python = parse(declared)
    if isinstance(python, str):
        return recorded.strip() == declared.strip()
    return python.matches(recorded)


def describe_code() -> str:
    """Python source (2.7 and 3.x) whose `_describe()` returns how this module records the
    interpreter running it: "3.12.1", "3.13.0t", "pypy3.9.16-7.3.11"."""
    return _DESCRIBE


_DESCRIBE = """\
def _describe():
    import sys, sysconfig
    v = sys.version_info
    name = getattr(getattr(sys, "implementation", None), "name", "cpython")
    text = "%d.%d.%d" % (v[0], v[1], v[2])
    if v[3] != "final":
        text += {"alpha": "a", "beta": "b", "candidate": "rc"}.get(v[3], "") + str(v[4])
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        text += "t"
    if name != "cpython":
        own = sys.implementation.version
        text = "%s%s-%d.%d.%d" % (name, text, own[0], own[1], own[2])
    return text
"""
