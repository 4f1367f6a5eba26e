"""The command line: parse options, make one library call, map errors to exit codes.

Heavy modules (pydantic, jinja2, rich, junitparser) are imported inside the commands
so that `matrixgen --help` starts fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from matrixgen import DISTRIBUTION, __version__
from matrixgen.load.runtimes import CHOICES as RUNTIME_CHOICES

if TYPE_CHECKING:
    from matrixgen.load.cells import Cell
    from matrixgen.load.matrix import Matrix

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES = (
    "Exit codes: 0 success; 1 a check failed (stale files, failed cells, an incomplete "
    "report); 2 bad input (an invalid matrix.yaml, an unknown selector, a file matrixgen "
    "will not overwrite); 130 interrupted."
)


class Context:
    """The options of the group, for every command; `main` reads `debug` back after an
    error (as parsed: an argument `--debug` after `--`, or a value, is not the option)."""

    def __init__(self, directory: Path | None = None, debug: bool = False) -> None:
        self.directory = directory
        self.debug = debug
        self.frozen = False  # a load froze the collector's objects (`main` may thaw them)

    def load(self, file: str | None = None, *, compute: bool = True) -> Matrix:
        """The matrix; `compute`: with the values of computed axes (their commands run)."""
        import gc

        # Loading imports pydantic and the models and makes every cell: tens of thousands of
        # objects that stay for the whole command, and little cyclic garbage. The collector's
        # passes over them were ~6% of an uncached `list` (bench/list.py); so it waits till
        # the matrix is loaded, and what exists then is frozen (set aside from every later
        # pass), or the first pass after it would walk all of it once.
        collecting = gc.isenabled()
        gc.disable()
        try:
            from matrixgen.load.matrix import load

            return load(self.directory, file, compute=compute)
        finally:
            if collecting:
                gc.freeze()
                self.frozen = True
                gc.enable()

    def thaw(self) -> None:
        if self.frozen:
            import gc

            gc.unfreeze()
            self.frozen = False


def echo(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Every line the commands print: control characters from matrix.yaml, result files
    and diffs are shown, never acted on by the terminal (`terminal.inert`)."""
    from matrixgen.terminal import inert

    click.echo(inert(message), err=err, nl=nl)


def file_option(function: F) -> F:
    return click.option(
        "-f",
        "--file",
        "file",
        default=None,
        metavar="FILE",
        help="The matrix file [default: matrix.yaml].",
    )(function)


def results_option(function: F) -> F:
    return click.option(
        "--results",
        "results_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Results folder [default: results].",
    )(function)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES,
)
@click.option(
    "-C",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Run as if started in DIR.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.version_option(__version__, package_name=DISTRIBUTION)
@click.pass_context
def cli(ctx: click.Context, directory: Path | None, debug: bool) -> None:
    """One matrix.yaml as the single source of truth for a test matrix."""
    if not isinstance(ctx.obj, Context):
        ctx.obj = Context()
    ctx.obj.directory, ctx.obj.debug = directory, debug


@cli.command(epilog=EXIT_CODES)
@file_option
@click.option(
    "--compute",
    is_flag=True,
    help="Also run the commands of computed axes (`values: {from: ...}`) and check what they "
    "print; without it they do not run.",
)
@click.pass_obj
def validate(obj: Context, file: str | None, compute: bool) -> None:
    """Check matrix.yaml; print every problem as FILE:LINE:COL."""
    from matrixgen.load.covering import cover_warnings
    from matrixgen.load.gitlab.checks import gitlab_warnings
    from matrixgen.load.harness import junit_warnings
    from matrixgen.load.loopback import loopback_warnings
    from matrixgen.load.service_scope import scope_warnings

    matrix = obj.load(file, compute=compute)
    warnings = junit_warnings(matrix.document, matrix.model, matrix.cells)
    warnings += cover_warnings(matrix.document, matrix.model, matrix.expansion.covers)
    warnings += scope_warnings(matrix.document, matrix.model, matrix.cells)
    warnings += gitlab_warnings(matrix.document, matrix.model, matrix.cells)
    warnings += loopback_warnings(matrix.document, matrix.model, matrix.cells)
    for warning in sorted(warnings, key=lambda p: (p.line, p.column)):
        echo(str(warning), err=True)
    levels = {c.level for c in matrix.cells}
    cells = f"{len(matrix.cells)} cell" + ("s" if len(matrix.cells) != 1 else "")
    in_levels = f"{len(levels)} level" + ("s" if len(levels) != 1 else "")
    pending = sorted({c.level for c in matrix.pending} - levels)
    computed = f" (and {', '.join(pending)}, whose values are computed)" if pending else ""
    echo(f"{matrix.source.display}: ok, {cells} in {in_levels}{computed}")


@cli.command("list", epilog=EXIT_CODES)
@file_option
@click.option("--level", default=None, help="Only cells of this level.")
@click.option(
    "--where", default=None, metavar="AXIS=VALUE,...", help="Only cells with these values."
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.argument("selectors", nargs=-1)
@click.pass_obj
def list_(
    obj: Context,
    file: str | None,
    level: str | None,
    where: str | None,
    as_json: bool,
    selectors: tuple[str, ...],
) -> None:
    """List cells (optionally by SELECTOR: level/cell, level, or a glob)."""
    from matrixgen.listing import Cache, format_json, format_table, from_matrix
    from matrixgen.load.selection import select
    from matrixgen.load.source import locate

    source = locate(obj.directory, file)
    cache = Cache(source.path, source.root)
    listing = cache.read()
    if listing is None:  # load (and validate) for real, then remember the cells
        matrix = obj.load(file)
        listing = from_matrix(matrix)
        cache.write(matrix, listing)
    cells = select(
        listing.cells,
        selectors,
        level=level,
        where=where,
        levels=listing.levels,
        axes=listing.axes,
    )
    echo(format_json(cells) if as_json else format_table(cells))


@cli.command(epilog=EXIT_CODES)
@file_option
@click.argument("selector")
@click.pass_obj
def explain(obj: Context, file: str | None, selector: str) -> None:
    """Why a cell exists, or which exclude removed it."""
    from matrixgen.explain import explain as explain_cell

    echo(explain_cell(obj.load(file), selector))


@cli.command(epilog=EXIT_CODES)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE.",
)
def schema(output: Path | None) -> None:
    """Print the JSON Schema of matrix.yaml (for editors)."""
    from matrixgen.load.schema import schema_text

    text = schema_text()
    if output is None:
        echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@cli.command(epilog=EXIT_CODES)
@file_option
@click.option(
    "--check", is_flag=True, help="Write nothing; show a diff and exit 1 when anything is stale."
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite files that lack matrixgen's markers.")
@click.pass_obj
def render(obj: Context, file: str | None, check: bool, dry_run: bool, force: bool) -> None:
    """Generate noxfile sessions, compose profiles, the workflow and the docs table."""
    from matrixgen.render import render_outputs

    # Never the commands of computed axes: the files are the same whatever they print.
    matrix = obj.load(file, compute=False)
    code = render_outputs(matrix, check=check, dry_run=dry_run, force=force, echo=echo)
    sys.exit(code)


class RunCommand(click.Command):
    """`run SELECTOR... -- ARGS...`: what follows `--` is the cells' (`extra_args`), never a
    selector; click alone would take it as more selectors."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        extra: list[str] = []
        if "--" in args:
            at = args.index("--")
            args, extra = args[:at], args[at + 1 :]
        rest = super().parse_args(ctx, args)
        ctx.params["extra_args"] = tuple(extra)
        return rest

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [*super().collect_usage_pieces(ctx), "[-- ARGS]..."]


@cli.command(cls=RunCommand, epilog=EXIT_CODES)
@file_option
@click.argument("selectors", nargs=-1)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Cells run at once.",
)
@click.option(
    "--timeout", default=None, metavar="DURATION", help="Per-cell timeout (e.g. 90s, 10m)."
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Reruns of a failed cell.",
)
@click.option("--fail-fast", is_flag=True, help="Stop at the first failed cell.")
@results_option
@click.option(
    "--services",
    "services_mode",
    type=click.Choice(RUNTIME_CHOICES),
    default="auto",
    show_default=True,
    help="How services run: compose files where a Docker engine answers (auto), processes, "
    "or compose files.",
)
@click.option(
    "--start",
    type=click.Choice(["when-needed", "all"]),
    default="when-needed",
    show_default=True,
    help="When services start: just before the first cell that needs them (once the work "
    "ahead of it is under 20 s per worker), or all before any cell. Each stops after its "
    "last cell.",
)
@click.option(
    "--provided",
    multiple=True,
    metavar="NAME=[HOST:]PORT",
    help="A service already running there (a CI job's service container): used, not started.",
)
@click.option(
    "--failed",
    "only_failed",
    is_flag=True,
    help="Only the selected cells whose last result in the results folder failed or erred.",
)
@click.option(
    "--skip-missing-interpreters/--no-skip-missing-interpreters",
    default=None,
    help="Skip a cell whose Python is not found here, or make it an error that fails the run "
    "[default: an error under CI=true, skipped elsewhere].",
)
@click.option("-q", "--quiet", is_flag=True, help="Show failures only.")
@click.option("-v", "--verbose", is_flag=True, help="Also show commands and every cell's output.")
@click.pass_obj
def run(
    obj: Context,
    file: str | None,
    selectors: tuple[str, ...],
    jobs: int,
    timeout: str | None,
    retries: int,
    fail_fast: bool,
    results_dir: Path | None,
    services_mode: str,
    start: str,
    provided: tuple[str, ...],
    only_failed: bool,
    skip_missing_interpreters: bool | None,
    quiet: bool,
    verbose: bool,
    extra_args: tuple[str, ...],
) -> None:
    """Run cells against real services; write JUnit per cell.

    ARGS after `--` go to every selected cell's command, on every attempt: where its run:
    says ${args}, else at its end (`matrixgen run unit -- -k smoke -x`). The results record
    them, and `report` notes that such cells did not run as declared.
    """
    from matrixgen.run import RunOptions, run_cells

    matrix = obj.load(file)
    options = RunOptions.from_cli(
        jobs=jobs,
        timeout=timeout,
        retries=retries,
        fail_fast=fail_fast,
        results_dir=results_dir,
        services_mode=services_mode,
        start=start,
        provided=provided,
        quiet=quiet,
        verbose=verbose,
        root=matrix.root,
        env=dict(os.environ),
        extra_args=extra_args,
        skip_missing_interpreters=skip_missing_interpreters,
    )
    cells = matrix.select(selectors)
    if only_failed:
        cells = last_failed(matrix, cells, options.results_dir)
        if not cells:
            echo(f"no selected cell's last result in {options.results_dir} failed or erred")
            sys.exit(0)
    sys.exit(run_cells(matrix, cells, options))


def last_failed(matrix: Matrix, cells: list[Cell], results_dir: Path) -> list[Cell]:
    """`run --failed`: the cells whose last result failed or erred (as pytest's --lf)."""
    from matrixgen.outcome.status import Status
    from matrixgen.results.collect import collect

    statuses = collect(matrix, [results_dir]).statuses if results_dir.is_dir() else {}
    bad = {Status.FAILED, Status.ERROR}
    return [cell for cell in cells if cell.id in statuses and statuses[cell.id].status in bad]


@cli.command(epilog=EXIT_CODES)
@file_option
@results_option
@click.pass_obj
def clean(obj: Context, file: str | None, results_dir: Path | None) -> None:
    """Stop what runs that died left: processes, data folders, compose projects."""
    from matrixgen.load.source import locate
    from matrixgen.run import clean_results

    root = locate(obj.directory, file).root
    folder = results_dir if results_dir is not None else Path("results")
    folder = folder if folder.is_absolute() else root / folder
    sys.exit(clean_results(folder, dict(os.environ), echo, root=root))


@cli.command(epilog=EXIT_CODES)
@file_option
@click.argument("results_dirs", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--docs",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Docs page to update [default: outputs.docs.file].",
)
@click.option(
    "--check",
    is_flag=True,
    help="Exit 1 when the docs table differs from the results; write nothing.",
)
@click.option(
    "--check-complete", is_flag=True, help="Exit 1 when a cell that should have run has no result."
)
@click.option("--github-summary", is_flag=True, help="Append Markdown to $GITHUB_STEP_SUMMARY.")
@click.option(
    "--json",
    "json_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the JSON report here ('-' for stdout).",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a self-contained HTML grid here.",
)
@click.option(
    "--junit",
    "junit_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write every cell's JUnit merged into one file here (test names prefixed by the cell).",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="Leave the table out of what is printed after the summary."
)
@click.pass_obj
def report(
    obj: Context,
    file: str | None,
    results_dirs: tuple[Path, ...],
    docs: Path | None,
    check: bool,
    check_complete: bool,
    github_summary: bool,
    json_file: Path | None,
    html_file: Path | None,
    junit_file: Path | None,
    quiet: bool,
) -> None:
    """Merge per-cell JUnit into the support-matrix table, and print it."""
    import shutil

    from matrixgen.results import ReportOptions, report_results

    matrix = obj.load(file)
    options = ReportOptions(
        results_dirs=list(results_dirs),
        docs=docs,
        check=check,
        check_complete=check_complete,
        github_summary=github_summary,
        json_file=json_file,
        html_file=html_file,
        junit_file=junit_file,
        quiet=quiet,
        # A terminal's width (COLUMNS first); a log or a pipe gets the table unwrapped.
        width=shutil.get_terminal_size().columns if sys.stdout.isatty() else None,
        env=dict(os.environ),
    )
    sys.exit(report_results(matrix, options, echo=echo))


@cli.command(epilog=EXIT_CODES)
@file_option
@click.argument("selectors", nargs=-1)
@click.option("--shards", type=click.IntRange(min=1), required=True, help="How many shards.")
@click.option(
    "--durations",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Recorded durations to balance by [default: results/durations.json].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.pass_obj
def shard(
    obj: Context,
    file: str | None,
    selectors: tuple[str, ...],
    shards: int,
    durations: Path | None,
    as_json: bool,
) -> None:
    """Pack cells into duration-balanced shards."""
    from matrixgen.plan.shard import shard_command

    matrix = obj.load(file)
    sys.exit(
        shard_command(
            matrix,
            matrix.select(selectors),
            shards=shards,
            durations=durations,
            as_json=as_json,
            echo=echo,
        )
    )


@cli.command(epilog=EXIT_CODES)
@file_option
@click.option("--base", default=None, help="Git ref to diff against, from its merge-base.")
@click.option("--all", "every", is_flag=True, help="Every cell instead (the default branch).")
@click.option("--json", "as_json", is_flag=True, help="Print the cells as JSON (list's shape).")
@click.option("--github-output", is_flag=True, help="Write the workflow's plan to $GITHUB_OUTPUT.")
@click.option(
    "--select",
    "selectors",
    default="",
    metavar="SELECTORS",
    help="Only these of them: selectors as `run` takes them, separated by spaces (a calling "
    "workflow's `cells` input); empty: no restriction.",
)
@click.option(
    "--record-unaffected",
    "record",
    is_flag=True,
    help="Write a not-run result (why: unaffected) into the results folder for each selected "
    "cell the change does not affect, as a GitLab merge request's cell job does.",
)
@results_option
@click.pass_obj
def affected(
    obj: Context,
    file: str | None,
    base: str | None,
    every: bool,
    as_json: bool,
    github_output: bool,
    selectors: str,
    record: bool,
    results_dir: Path | None,
) -> None:
    """Cells affected by the files changed since --base."""
    from matrixgen.plan.affected import affected_command

    if (base is None) == (not every):
        raise click.UsageError("give --base REF, or --all for every cell")
    matrix = obj.load(file)
    folder = results_dir if results_dir is not None else Path("results")
    code = affected_command(
        matrix,
        base=base,
        as_json=as_json,
        echo=echo,
        github_output=github_output,
        env=dict(os.environ),
        selectors=selectors.split(),
        record=(folder if folder.is_absolute() else matrix.root / folder) if record else None,
        note=lambda message: echo(message, err=True),
    )
    sys.exit(code)


@cli.command(
    epilog="Exit codes: 0 nothing lost; 1 a check name renamed or gone, or a covered tuple "
    "lost; 2 bad input (an invalid matrix.yaml here or at REF, an unknown REF, history a "
    "shallow checkout lacks); 130 interrupted."
)
@file_option
@click.argument("ref", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON.")
@click.option(
    "--summary",
    is_flag=True,
    help="Also append it to the CI's step summary (GitHub Actions: $GITHUB_STEP_SUMMARY).",
)
@click.option(
    "--durations",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Recorded durations to estimate CI minutes by [default: results/durations.json].",
)
@click.pass_obj
def diff(
    obj: Context,
    file: str | None,
    ref: str | None,
    as_json: bool,
    summary: bool,
    durations: Path | None,
) -> None:
    """What the change since REF does to the matrix: cells added and removed, check names
    renamed or gone, covered tuples lost, estimated CI minutes. REF defaults to the default
    branch; matrix.yaml is compared as at its merge-base with HEAD."""
    from matrixgen.plan.diff import diff_command

    code = diff_command(
        obj.directory,
        file,
        obj.load(file, compute=False),
        ref=ref,
        as_json=as_json,
        summary=summary,
        durations=durations,
        env=dict(os.environ),
        echo=echo,
    )
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    from matrixgen.errors import MatrixgenError

    context = Context()
    try:
        cli.main(args=argv, prog_name="matrixgen", standalone_mode=False, obj=context)
    except click.exceptions.Abort:
        echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except MatrixgenError as error:
        if context.debug:
            import traceback

            # The traceback, and still the error's own exit code; inert, as the message it ends
            # with quotes matrix.yaml.
            echo(traceback.format_exc(), err=True, nl=False)
        else:
            echo(str(error), err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        # A caller in-process (argv given) goes on after the command and collects them again.
        # The command line's own command ends the process: its objects stay frozen, or the
        # collection at exit would walk them all (~4% of an uncached list's instructions).
        if argv is not None:
            context.thaw()
