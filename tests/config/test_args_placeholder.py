"""`${args}`: the arguments after `--` in a cell's command (where validate allows it:
test_placeholders)."""

from __future__ import annotations

import shlex

from matrixgen.load.placeholders import fill_command, uses_args

HOSTILE = ["a b", "it's", '"q"', "$(touch pwned)", "`id`", "; rm -rf x", "${junit}", "$HOME", ""]
VALUES = {"cell": "s3", "junit": "/r/u/s3.xml"}


def test_a_shell_line_gets_them_quoted_where_it_says() -> None:
    line = fill_command("pytest ${args} --junitxml=${junit}", VALUES, {}, ["-k", "a or b"])
    assert line == "pytest -k 'a or b' --junitxml=/r/u/s3.xml"


def test_a_shell_line_without_the_placeholder_gets_them_at_its_end() -> None:
    assert fill_command("pytest -m ${cell}", VALUES, {}, ["-x"]) == "pytest -m s3 -x"
    assert fill_command("pytest -m ${cell}", VALUES, {}) == "pytest -m s3"
    assert fill_command("pytest ${args} -q", VALUES, {}) == "pytest  -q"


def test_hostile_arguments_stay_text_in_a_shell_line() -> None:
    line = fill_command("prog ${args}", VALUES, {}, HOSTILE)
    assert isinstance(line, str)
    assert shlex.split(line) == ["prog", *HOSTILE]  # what sh -c hands the program
    appended = fill_command("prog", VALUES, {}, HOSTILE)
    assert isinstance(appended, str)
    assert shlex.split(appended) == ["prog", *HOSTILE]


def test_an_argv_list_gets_them_as_items_verbatim() -> None:
    run = ["pytest", "${args}", "--junitxml=${junit}"]
    assert fill_command(run, VALUES, {}, HOSTILE) == ["pytest", *HOSTILE, "--junitxml=/r/u/s3.xml"]
    assert fill_command(run, VALUES, {}) == ["pytest", "--junitxml=/r/u/s3.xml"]
    assert fill_command(["pytest", "${cell}"], VALUES, {}, ["-x"]) == ["pytest", "s3", "-x"]


def test_uses_args() -> None:
    assert uses_args("pytest ${args}") and uses_args(("pytest", "${args}"))
    assert not uses_args("pytest $${args}") and not uses_args(("pytest",))
