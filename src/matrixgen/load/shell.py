r"""Placeholders in shell lines stay data: each value is quoted for the spot it fills.

A `run:` string is handed to `sh -c`. A placeholder's value (`${env.BRANCH_NAME}` on CI,
`${junit}` under a folder named `My Projects`, an axis value) is text that matrixgen
does not control, so pasting it in would let the shell read it: split it at spaces, run
`$(...)` in it, end the command at `;`. Here the line is scanned as sh reads it, and each
value is written so that sh hands the program exactly that text, however it is placed:

    outside quotes      pytest --junitxml=${junit}      one word (shlex.quote); an empty
                                                        value is no word at all
    in "..."            echo "cell ${cell}"             \ $ ` " escaped by a backslash
    in '...'            echo 'at ${junit}'              a ' becomes '\'' (close, \', reopen)
    in $'...' (bash)    printf $'${cell}\n'             \ and ' escaped by a backslash
    in a here-document  cat <<EOF ... ${cell} ... EOF   \ $ ` escaped; in a quoted one
                                                        (<<'EOF') as is; a value holding
                                                        the delimiter line is refused
    inside $(...), `...` or the shell's own ${...}: as where they stand; inside `...`
    escaped once more, as sh removes a backslash there before it parses the command

`${args}` (the arguments after `--`) is the one list: outside quotes it is several
words (`shlex.join`), inside quotes one string of them joined by spaces.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

_PLACEHOLDER = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_HEREDOC = re.compile(r"<<(-?)[ \t]*(?:'([^'\n]*)'|\"([^\"\n]*)\"|\\?([^\s;&|<>()'\"]+))")
_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "busybox"})
_BREAKS = " \t\n;&|<>()"  # end a word outside quotes
_LONG_WITH_ARGUMENT = frozenset({"--rcfile", "--init-file"})  # bash

Value = str | Sequence[str]  # a text, or a list of words (`${args}`)
Resolve = Callable[[str], Value]


class UnsafeValue(ValueError):
    """A value that no quoting can keep as data where it stands (a quoted here-document
    whose delimiter it contains)."""


@dataclass
class _Heredoc:
    delimiter: str
    quoted: bool
    strip_tabs: bool


@dataclass
class _Scan:
    line: str
    resolve: Resolve
    out: list[str] = field(default_factory=list)
    # Open contexts, innermost last: N (plain: top level, $(...), `...`), D ("..."),
    # S ('...'), A ($'...'), P (${...} of the shell's own), H (a here-document's body).
    stack: list[str] = field(default_factory=lambda: ["N"])
    parens: list[int] = field(default_factory=list)  # open ( inside each $(...)
    pending: list[_Heredoc] = field(default_factory=list)  # bodies start at the next newline
    body: _Heredoc | None = None
    # Where the current command starts, per plain context (the line, each $(...) and `...`):
    # its words so far tell whether the next word is a script another shell reads.
    starts: list[int] = field(default_factory=lambda: [0])


def fill_shell(line: str, resolve: Resolve) -> str:
    """`line` with each `${name}` replaced by `resolve(name)` quoted for where it stands;
    `$${` is a literal `${`."""
    scan = _Scan(line, resolve)
    i = 0
    while i < len(line):
        if scan.stack[-1] in ("N", "B") and _word_starts(line, i) and _script_word(scan, i):
            i = _script(scan, i)
            continue
        match = _PLACEHOLDER.match(line, i)
        if match is not None:
            if match.group(1) is None:
                scan.out.append("${")
                _open(scan, "P")  # the shell's own ${...} (written $${ in matrix.yaml)
            else:
                scan.out.append(_quoted(scan, resolve(match.group(1))))
            i = match.end()
            continue
        i = _step(scan, i)
    return "".join(scan.out)


def shell_script_index(argv: Sequence[str]) -> int:
    """Where the script of `sh -c SCRIPT` (bash, dash, ...) is in an argv; -1: none.

    The shell may be run by another command (`env sh -c`, `timeout 60 bash -c`, `docker
    compose exec tester sh -c`), and take options before and after `-c`, some with an
    argument (`-o pipefail`, `-O extglob`, `+e`, `--rcfile FILE`): its script is the first
    operand after them all, as the shell reads it."""
    for start, item in enumerate(argv):
        if item.rsplit("/", 1)[-1] in _SHELLS:
            script = _script_after(argv, start + 1)
            if script >= 0:
                return script
    return -1


def _script_after(argv: Sequence[str], index: int) -> int:
    """The first operand after the shell's options from `index` on, if `-c` is among them."""
    command = False
    while index < len(argv):
        item = argv[index]
        if item in ("-", "--"):  # the end of the options
            index += 1
            break
        if item.startswith("--"):
            index += 2 if item in _LONG_WITH_ARGUMENT else 1
            continue
        if len(item) < 2 or item[0] not in "-+":
            break
        letters = item[1:]
        command = command or (item[0] == "-" and "c" in letters)
        index += 1 + letters.count("o") + letters.count("O")  # -o NAME, -O NAME (bash)
    return index if command and index < len(argv) else -1


def _open(scan: _Scan, context: str) -> None:
    scan.stack.append(context)


def _quoted(scan: _Scan, value: Value) -> str:
    """The value quoted for its context, then escaped once per `...` around it: sh finds
    the end of a backquoted command before it parses it, removing a `\\` before `\\`, `$`
    and a backquote."""
    text = _quoted_in_context(scan, value)
    for _ in range(scan.stack.count("B")):
        text = re.sub(r"([\\$`])", r"\\\1", text)
    return text


def _quoted_in_context(scan: _Scan, value: Value) -> str:
    words = None if isinstance(value, str) else list(value)
    text = value if isinstance(value, str) else " ".join(value)
    context = _effective(scan)
    if context == "N":
        if words is not None:
            return shlex.join(words)
        return shlex.quote(text) if text else ""
    if context == "D":
        if "'" in text and scan.stack[-1] == "P":
            # "${X:-it's}": bash reads a quote there, dash does not (POSIX leaves it open)
            raise UnsafeValue(
                "a value with a ' cannot be placed inside the shell's own ${...} in double "
                "quotes (bash and sh read it differently); place the placeholder outside it"
            )
        return re.sub(r'([\\$`"])', r"\\\1", text)
    if context == "S":
        return text.replace("'", "'\\''")
    if context == "A":
        return re.sub(r"([\\'])", r"\\\1", text)
    assert scan.body is not None
    if any(_ends(scan.body, part) for part in text.split("\n")[1:]) or (
        "\n" in text and _ends(scan.body, text.split("\n")[0])
    ):
        raise UnsafeValue(
            f"a value with the line {scan.body.delimiter!r} would end the here-document "
            "it is placed in"
        )
    return text if scan.body.quoted else re.sub(r"([\\$`])", r"\\\1", text)


def _effective(scan: _Scan) -> str:
    """The quoting that applies here: a shell ${...} takes its surroundings'."""
    for context in reversed(scan.stack):
        if context != "P":
            return "N" if context == "B" else context
    return "N"  # pragma: no cover - the stack starts with N


def _ends(body: _Heredoc, line: str) -> bool:
    return (line.lstrip("\t") if body.strip_tabs else line) == body.delimiter


def _step(scan: _Scan, i: int) -> int:
    """Copy what starts at `i`, following the shell's quoting; the index after it."""
    line, out, context = scan.line, scan.out, scan.stack[-1]
    char = line[i]
    if context == "H":
        return _body_line(scan, i)
    if context == "S":
        if char == "'":
            scan.stack.pop()
        out.append(char)
        return i + 1
    if context == "A":
        if char == "\\" and i + 1 < len(line):
            out.append(line[i : i + 2])
            return i + 2
        if char == "'":
            scan.stack.pop()
        out.append(char)
        return i + 1
    if char == "\\" and i + 1 < len(line):
        out.append(line[i : i + 2])
        return i + 2
    if context == "D":
        if char == '"':
            scan.stack.pop()
        elif line.startswith("$(", i) and not line.startswith("$((", i):
            return _subshell(scan, i)
        elif char == "`":
            scan.stack.append("B")
            scan.starts.append(i + 1)
        out.append(char)
        return i + 1
    # N, B (inside `...`), P (a shell ${...})
    if (context == "P" and char == "}") or (context == "B" and char == "`"):
        scan.stack.pop()
        if context == "B":
            scan.starts.pop()
    elif char == "'":
        scan.stack.append("S")
    elif char == '"':
        scan.stack.append("D")
    elif line.startswith("$'", i):
        scan.stack.append("A")
        out.append("$'")
        return i + 2
    elif line.startswith("$(", i) and not line.startswith("$((", i):
        return _subshell(scan, i)
    elif char == "`":
        scan.stack.append("B")
        scan.starts.append(i + 1)
    elif char in ";&|\n(" and context != "P":
        scan.starts[-1] = i + 1  # a new command starts after a separator
        if char == "(" and scan.parens and context == "N":
            scan.parens[-1] += 1
        elif char == "\n" and scan.pending and len(scan.stack) == 1:
            out.append(char)
            scan.body = scan.pending.pop(0)
            scan.stack.append("H")
            return i + 1
    elif char == ")" and scan.parens and context == "N":
        if scan.parens[-1] == 0:
            scan.parens.pop()
            scan.stack.pop()
            scan.starts.pop()
        else:
            scan.parens[-1] -= 1
    elif char == "#" and context == "N" and (i == 0 or line[i - 1] in " \t\n;&|("):
        end = line.find("\n", i)
        end = len(line) if end < 0 else end
        out.append(line[i:end])  # a comment: placeholders in it are left as written
        return end
    elif line.startswith("<<", i) and not line.startswith("<<<", i):
        heredoc = _HEREDOC.match(line, i)
        if heredoc is not None:
            strip, single, double, bare = heredoc.groups()
            quoted = single is not None or double is not None or "\\" in heredoc.group(0)
            delimiter = single if single is not None else double if double is not None else bare
            scan.pending.append(_Heredoc(delimiter, quoted, strip == "-"))
            out.append(heredoc.group(0))
            return heredoc.end()
    out.append(char)
    return i + 1


def _subshell(scan: _Scan, i: int) -> int:
    scan.stack.append("N")
    scan.parens.append(0)
    scan.starts.append(i + 2)
    scan.out.append("$(")
    return i + 2


def _word_starts(line: str, i: int) -> bool:
    return line[i] not in _BREAKS and (i == 0 or line[i - 1] in _BREAKS + "`")


def _script_word(scan: _Scan, i: int) -> bool:
    """Whether the word at `i` is a script another shell reads: the script of `sh -c`
    (`bash`, ... anywhere in the command: `env sh -c`, `docker compose exec t sh -c`) or
    an argument of `eval`, which joins its arguments into one."""
    try:
        words = shlex.split(scan.line[scan.starts[-1] : i])
    except ValueError:
        return False
    return "eval" in words or shell_script_index([*words, "SCRIPT"]) == len(words)


def _script(scan: _Scan, i: int) -> int:
    """A word another shell reads as a script is read twice: by this shell, which removes
    its quotes, and by the next, which parses what is left. So its text as this shell
    hands it on is filled as a shell line of its own (each value quoted for the inner
    shell), and the result is written as one single-quoted word (quoted again for this
    one). A word this shell would also expand (`$HOME`, `$(...)`, a glob) cannot be read
    ahead: with a placeholder in it, it is refused."""
    line = scan.line
    text: list[str] = []
    dynamic = placeholder = False
    j = i
    while j < len(line) and line[j] not in _BREAKS:
        char = line[j]
        match = _PLACEHOLDER.match(line, j)
        if match is not None:
            placeholder = placeholder or match.group(1) is not None
            dynamic = dynamic or match.group(1) is None  # $${...}: this shell's own
            text.append(match.group(0))
            j = match.end()
        elif char == "'":
            end = line.find("'", j + 1)
            if end < 0:
                return _copy_word(scan, i, len(line), placeholder=False)
            segment = line[j + 1 : end]
            placeholder = placeholder or any(m.group(1) for m in _PLACEHOLDER.finditer(segment))
            text.append(segment)
            j = end + 1
        elif char == '"':
            end, inner, expands = _double_quoted(line, j + 1)
            if end < 0:
                return _copy_word(scan, i, len(line), placeholder=False)
            dynamic = dynamic or expands
            placeholder = placeholder or any(m.group(1) for m in _PLACEHOLDER.finditer(inner))
            text.append(inner)
            j = end + 1
        elif char == "\\":
            text.append(line[j + 1 : j + 2].replace("\n", ""))  # \<newline> joins lines
            j += 2
        else:
            dynamic = dynamic or char in "$`*?[~"
            text.append(char)
            j += 1
    if "B" in scan.stack or dynamic:
        return _copy_word(scan, i, j, placeholder=placeholder)
    filled = fill_shell("".join(text), scan.resolve)
    scan.out.append("'" + filled.replace("'", "'\\''") + "'")
    return j


def _copy_word(scan: _Scan, i: int, j: int, *, placeholder: bool) -> int:
    if placeholder:
        raise UnsafeValue(
            "a placeholder stands in a script that another shell reads (`sh -c`, `eval`), "
            "in a word this shell also expands (`$NAME`, `$(...)`, a glob, backquotes), so "
            "no quoting keeps its value data for both; write that script in single quotes"
        )
    scan.out.append(scan.line[i:j])
    return j


def _double_quoted(line: str, start: int) -> tuple[int, str, bool]:
    """The closing quote of "..." from `start`, the text this shell makes of it, and
    whether it expands anything there itself (a placeholder is matrixgen's, not its)."""
    out: list[str] = []
    expands = False
    index = start
    while index < len(line):
        char = line[index]
        match = _PLACEHOLDER.match(line, index)
        if match is not None:
            expands = expands or match.group(1) is None
            out.append(match.group(0))
            index = match.end()
        elif char == "\\" and index + 1 < len(line):
            following = line[index + 1]
            out.append(
                following if following in '$`"\\' else "" if following == "\n" else char + following
            )
            index += 2
        elif char == '"':
            return index, "".join(out), expands
        else:
            expands = expands or char in "$`"
            out.append(char)
            index += 1
    return -1, "", expands


def _body_line(scan: _Scan, i: int) -> int:
    """Inside a here-document: copy up to the end of the line; the delimiter line ends it.
    Placeholders are found by the caller, so copy only up to the next one."""
    body = scan.body
    assert body is not None
    line = scan.line
    start_of_line = i == 0 or line[i - 1] == "\n"
    end = line.find("\n", i)
    end = len(line) if end < 0 else end
    if start_of_line and _ends(body, line[i:end]):
        scan.out.append(line[i:end])
        scan.stack.pop()
        scan.body = None
        if scan.pending:  # the next here-document of the same line starts after this one
            if end < len(line):
                scan.out.append("\n")
                end += 1
            scan.body = scan.pending.pop(0)
            scan.stack.append("H")
        return end
    following = _PLACEHOLDER.search(line, i, end)
    stop = following.start() if following is not None else end
    if stop == i:  # pragma: no cover - the caller handles a placeholder at i
        stop = i + 1
    if stop == end and end < len(line):
        stop += 1  # the newline
    scan.out.append(line[i:stop])
    return stop
