"""Placeholder values in shell lines are data: whatever a value holds and wherever the line
places it, sh (dash) and bash hand the program exactly that text and run none of it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from matrixgen.load.placeholders import fill_argv, fill_command
from matrixgen.load.shell import UnsafeValue, fill_shell, shell_script_index

HOSTILE = [
    "plain",
    "a b",
    "  two  spaces  ",
    "it's",
    '"q"',
    "$(touch PWNED)",
    "`touch PWNED`",
    "x; touch PWNED; y",
    "x && touch PWNED",
    "x | touch PWNED",
    "$HOME",
    "${HOME}",
    "\\",
    "\\$(touch PWNED)",
    "'$(touch PWNED)'",
    '"$(touch PWNED)"',
    "*",
    "~",
    "a\nb",
    "tab\there",
    "100%s",
    "-n",
    "x' ; touch PWNED ; echo '",
    'x" ; touch PWNED ; echo "',
    ")",
    "}",
    "#not a comment",
    "é ünï",
]
# A shell function that prints how many arguments it got, then each, NUL-terminated.
DEFINE = 'P() { printf \'%s\\0\' "$#" "$@"; }; '
ARGS = "P"

# (shell line around the placeholder `${v}`, the argv the program must get for value v)
FORMS: list[tuple[str, object]] = [
    ("P ${v}", lambda v: [v] if v else []),
    ("P --x=${v}", lambda v: [f"--x={v}"]),
    ("P pre${v}post", lambda v: [f"pre{v}post"]),
    ('P "in ${v} dq"', lambda v: [f"in {v} dq"]),
    ("P 'in ${v} sq'", lambda v: [f"in {v} sq"]),
    ('P "$(printf %s ${v})"', lambda v: [v.rstrip("\n")]),
    ("P \"$(printf %s '${v}')\"", lambda v: [v.rstrip("\n")]),
    ('P "$(printf %s "${v}")"', lambda v: [v.rstrip("\n")]),
    ("P `printf %s ${v} | wc -c`", lambda v: [str(len(v.encode()))]),
    ('P "$${MATRIXGEN_TEST_UNSET:-${v}}"', lambda v: [v]),
    ("P # ${v} is in a comment", lambda v: []),
    ("true; P ${v}; true", lambda v: [v] if v else []),
]


def _run(shell: str, line: str, cwd: Path) -> list[str]:
    done = subprocess.run(
        [shell, "-c", DEFINE + line], cwd=cwd, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    count, *argv = done.stdout.split("\0")[:-1]
    assert int(count) == len(argv), done.stdout
    return argv


@pytest.mark.parametrize("shell", ["sh", "bash"])
@pytest.mark.parametrize("form", range(len(FORMS)))
def test_every_value_reaches_the_program_as_written(shell: str, form: int, tmp_path: Path) -> None:
    template, expected = FORMS[form]
    for value in [*HOSTILE, ""]:
        if "MATRIXGEN_TEST_UNSET" in template and "'" in value:
            continue  # refused: test_a_quote_inside_the_shells_own_braces_is_refused
        line = fill_shell(template.replace("P ", ARGS + " ", 1), lambda _name, v=value: v)
        assert _run(shell, line, tmp_path) == expected(value), (template, value, line)  # type: ignore[operator]
    assert not list(tmp_path.iterdir()), "a value was run as shell code"


def test_bash_ansi_c_quotes(tmp_path: Path) -> None:
    for value in HOSTILE:
        line = fill_shell(ARGS + " $'in ${v}'", lambda _name, v=value: v)
        assert _run("bash", line, tmp_path) == [f"in {value}"], line
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("delimiter", ["EOF", "'EOF'", '"EOF"', "\\EOF", "-EOF"])
def test_here_documents(delimiter: str, tmp_path: Path) -> None:
    bare = delimiter.strip("'\"\\-")
    for value in HOSTILE:
        line = fill_shell(
            f"cat <<{delimiter}\nbefore ${{v}} after\n{bare}\nprintf '%s\\n' \"done ${{v}}\"",
            lambda _name, v=value: v,
        )
        done = subprocess.run(
            ["sh", "-c", line], cwd=tmp_path, capture_output=True, text=True, timeout=30
        )
        assert done.stdout == f"before {value} after\ndone {value}\n", line
    assert not list(tmp_path.iterdir())


def test_a_value_holding_the_delimiter_line_is_refused() -> None:
    with pytest.raises(UnsafeValue, match="would end the here-document"):
        fill_shell("cat <<'EOF'\n${v}\nEOF", lambda _name: "x\nEOF\ntouch PWNED")
    with pytest.raises(UnsafeValue):
        fill_shell("cat <<EOF\n${v}\nEOF", lambda _name: "EOF\ntouch PWNED")


def test_a_quote_inside_the_shells_own_braces_is_refused() -> None:
    with pytest.raises(UnsafeValue, match="outside it"):
        fill_shell('P "$${X:-${v}}"', lambda _name: "it's")
    assert fill_shell("P $${X:-${v}}", lambda _name: "it's") == "P ${X:-'it'\"'\"'s'}"


def test_args_are_several_words_outside_quotes_and_one_inside(tmp_path: Path) -> None:
    words = ["-k", "a or b", "$(touch PWNED)"]
    line = fill_command(ARGS + " ${args} \"${args}\" '${args}'", {}, {}, words)
    assert isinstance(line, str)
    joined = " ".join(words)
    assert _run("sh", line, tmp_path) == [*words, joined, joined]
    assert not list(tmp_path.iterdir())


def test_every_cell_placeholder_kind_is_quoted(tmp_path: Path) -> None:
    """env.NAME, junit, an axis value, namespace, level/suite/cell: one rule for all."""
    evil = "My Projects/$(touch PWNED);x"
    values = {"backend": "s3", "junit": f"/{evil}.xml", "namespace": "mgabc1", "cell": "s3"}
    line = fill_command(
        ARGS + " ${env.BRANCH_NAME} --junitxml=${junit} ${backend} ${namespace} ${cell}",
        values,
        {"BRANCH_NAME": "x$(touch PWNED);touch PWNED2"},
    )
    assert isinstance(line, str)
    assert _run("sh", line, tmp_path) == [
        "x$(touch PWNED);touch PWNED2",
        f"--junitxml=/{evil}.xml",
        "s3",
        "mgabc1",
        "s3",
    ]
    assert not list(tmp_path.iterdir())


def test_an_argv_list_stays_literal_but_its_sh_c_script_is_quoted(tmp_path: Path) -> None:
    env = {"BRANCH_NAME": "x$(touch PWNED)"}
    literal = fill_command([sys.executable, "-c", "pass", "${env.BRANCH_NAME}"], {}, env)
    assert literal == [sys.executable, "-c", "pass", "x$(touch PWNED)"]
    script = fill_command(["sh", "-ec", ARGS + " ${env.BRANCH_NAME}"], {}, env)
    assert isinstance(script, list) and script[:2] == ["sh", "-ec"]
    assert _run("sh", script[2], tmp_path) == ["x$(touch PWNED)"]
    assert not list(tmp_path.iterdir())


def test_service_argvs_port_dir_host(tmp_path: Path) -> None:
    values = {"port": "6379", "dir": f"{tmp_path}/a b/$(touch PWNED)", "host": "127.0.0.1"}
    argv = fill_argv(["/bin/sh", "-c", ARGS + " ${dir} ${host}:${port}"], values, {})
    assert _run("sh", argv[2], tmp_path) == [values["dir"], "127.0.0.1:6379"]
    assert fill_argv(["redis-server", "--dir", "${dir}"], values, {})[2] == values["dir"]
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("argv", "index"),
    [
        (["sh", "-c", "x"], 2),
        (["/bin/bash", "-euc", "x", "name"], 2),
        (["bash", "-e", "-c", "x"], 3),
        (["sh", "-c"], -1),
        (["sh", "script.sh"], -1),
        (["python", "-c", "x"], -1),
        (["bash", "--norc", "x"], -1),
        ([], -1),
    ],
)
def test_which_item_is_a_shell_script(argv: list[str], index: int) -> None:
    assert shell_script_index(argv) == index


@pytest.mark.skipif(shutil.which("dash") is None, reason="dash is Debian's sh")
def test_sh_is_dash_here() -> None:
    assert Path("/bin/sh").resolve().name == "dash"


# A script another shell reads: the value is quoted for the inner shell, then for the outer.
NESTED = [
    ("sh -c 'sh ./p.sh ${v}'", lambda v: [v] if v else []),
    ("bash -c 'sh ./p.sh \"in ${v}\"'", lambda v: [f"in {v}"]),
    ("bash -o pipefail -c 'sh ./p.sh --x=${v} | cat'", lambda v: [f"--x={v}"]),
    ("env LC_ALL=C sh -c 'sh ./p.sh '\\''${v}'\\'", lambda v: [v]),
    ("eval 'sh ./p.sh ${v}'", lambda v: [v] if v else []),
    ("true && sh -ec 'cd . && sh ./p.sh ${v}'", lambda v: [v] if v else []),
    ('sh -c "sh ./p.sh ${v}"', lambda v: [v] if v else []),  # nothing else expands there
    ('bash -c "sh ./p.sh \\"${v}\\""', lambda v: [v]),
    ("eval sh ./p.sh ${v}", lambda v: [v] if v else []),  # eval joins its words, then reads
    ('eval sh ./p.sh "${v}"', lambda v: [v] if v else []),
]


@pytest.mark.parametrize("form", range(len(NESTED)))
def test_a_script_another_shell_reads_gets_values_quoted_twice(form: int, tmp_path: Path) -> None:
    """`run: bash -c '... ${junit}'`: quoted for the outer shell only, the inner shell ran
    the value as code."""
    (tmp_path / "p.sh").write_text('printf \'%s\\0\' "$#" "$@"\n')
    template, expected = NESTED[form]
    for value in [*HOSTILE, ""]:
        line = fill_shell(template, lambda _name, v=value: v)
        done = subprocess.run(
            ["sh", "-c", line], cwd=tmp_path, capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, (line, done.stderr)
        count, *argv = done.stdout.split("\0")[:-1]
        assert int(count) == len(argv) and argv == expected(value), (template, value, line)  # type: ignore[operator]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.sh"], "a value ran as code"


def test_a_value_that_is_the_script_is_run_as_one_command_name(tmp_path: Path) -> None:
    """`sh -c ${v}`: the inner shell gets the value quoted, so it looks for a command of
    that name instead of running what the value says."""
    for value in HOSTILE:
        line = fill_shell("sh -c ${v}", lambda _name, v=value: v)
        subprocess.run(["sh", "-c", line], cwd=tmp_path, capture_output=True, timeout=30)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "line",
    [
        'sh -c "printf %s $HOME ${v}"',  # this shell expands $HOME first: cannot read ahead
        "sh -c 'printf %s '$HOME${v}",
        "eval printf %s *${v}",  # a glob
        "echo `sh -c 'printf %s ${v}'`",  # inside backquotes: three readings
    ],
)
def test_a_placeholder_no_quoting_can_keep_from_another_shell_is_refused(line: str) -> None:
    with pytest.raises(UnsafeValue, match="another shell reads"):
        fill_shell(line, lambda _name: "x")
