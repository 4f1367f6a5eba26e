"""Every option says what it does, and every --help names the exit codes."""

from __future__ import annotations

import click
from support.cli import invoke

from matrixgen.cli import cli


def test_every_option_has_help_and_every_command_the_exit_codes() -> None:
    assert isinstance(cli, click.Group)
    commands = {"": cli, **cli.commands}
    silent = []
    for name, command in commands.items():
        for parameter in command.params:
            if isinstance(parameter, click.Option) and not parameter.help:
                silent.append(f"{name or 'matrixgen'} {parameter.opts[0]}")
        helped = invoke(*([name] if name else []), "--help")
        assert (helped.code, helped.err) == (0, ""), name
        shown = helped.out
        # The shared line, or a command's own (diff: 1 when a check name or tuple is lost).
        assert "Exit codes: 0 success; 1 a check failed" in shown or (
            name == "diff" and "Exit codes: 0 nothing lost; 1 a check name" in shown
        ), name
        assert "2 bad input" in shown and "130 interrupted" in shown, name
    assert silent == []
