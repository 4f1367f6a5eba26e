"""What validate refuses before `run` or `expand` would meet it: ready probes that cannot work,
and matrices too big to expand (counted, never built)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import Result

from matrixgen.load import size

from .project import errors, validate

Validate = Callable[..., Result]
EXAMPLE = "write e.g. http://127.0.0.1:${port}/health"
GETS = "an http probe GETs the URL and waits for a status below 500"
TCP = (
    "a tcp probe is host:port, the port a number 1–65535 or ${port} "
    "(the port run chose for the service)"
)


@pytest.fixture
def check(
    matrixgen: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Validate:
    def run(text: str) -> Result:
        return validate(matrixgen, tmp_path, monkeypatch, text)

    return run


def probes(**ready: str) -> str:
    """A matrix with one service per probe, `name: {kind: text}` (kind before the '_')."""
    services = "".join(
        f"  {name}:\n    process: {{command: [x], ready: {{{kind}: {json.dumps(text)}}}}}\n"
        for name, text in ready.items()
        for kind in [name.split("_")[0]]
    )
    return (
        "version: 1\nservices:\n"
        + services
        + f"levels:\n  u: {{run: t, services: [{', '.join(ready)}]}}\n"
    )


def test_ready_probes_that_cannot_work_are_refused_at_their_key(check: Validate) -> None:
    text = probes(
        tcp_a="localhost",
        tcp_b="127.0.0.1:70000",
        tcp_c="127.0.0.1:",
        log_a="ready (port",
        log_b="*started",
        http_a="file:///etc/passwd",
        http_b="ftp://127.0.0.1:${port}/",
        http_c="http:///health",
        http_d="127.0.0.1:${port}/health",
        http_e="http://127.0.0.1:99999/",
        http_f="http://127.0.0.1:0/",
    )
    assert errors(check(text)) == [
        f"matrix.yaml:4:42: services.tcp_a.process.ready.tcp: 'localhost' has no port; {TCP}: "
        'write "localhost:${port}"',
        "matrix.yaml:6:42: services.tcp_b.process.ready.tcp: '127.0.0.1:70000': port '70000' is "
        "not a number 1–65535; write the service's port, usually ${port} (the port run chose "
        'for the service): "127.0.0.1:${port}"',
        f"matrix.yaml:8:42: services.tcp_c.process.ready.tcp: '127.0.0.1:' has no port; {TCP}: "
        'write "127.0.0.1:${port}"',
        "matrix.yaml:10:42: services.log_a.process.ready.log: not a valid regular expression: "
        "missing ), unterminated subpattern at position 6; escape characters meant literally "
        r"with a backslash: \( \[ \. \*",
        "matrix.yaml:12:42: services.log_b.process.ready.log: not a valid regular expression: "
        "nothing to repeat at position 0; escape characters meant literally "
        r"with a backslash: \( \[ \. \*",
        "matrix.yaml:14:43: services.http_a.process.ready.http: 'file:///etc/passwd' is not an "
        f"http or https URL (its scheme is 'file'); {GETS}: {EXAMPLE}",
        "matrix.yaml:16:43: services.http_b.process.ready.http: 'ftp://127.0.0.1:${port}/' is "
        f"not an http or https URL (its scheme is 'ftp'); {GETS}: {EXAMPLE}",
        f"matrix.yaml:18:43: services.http_c.process.ready.http: 'http:///health' names no host; "
        f"{EXAMPLE}",
        "matrix.yaml:20:43: services.http_d.process.ready.http: '127.0.0.1:${port}/health' is "
        f"not an http or https URL (it has no http:// or https://); {GETS}: {EXAMPLE}",
        "matrix.yaml:22:43: services.http_e.process.ready.http: 'http://127.0.0.1:99999/' is "
        f"not a valid URL (Port out of range 0-65535); {EXAMPLE}",
        "matrix.yaml:24:43: services.http_f.process.ready.http: 'http://127.0.0.1:0/': port 0 "
        f"is not a port; {EXAMPLE}",
    ]


def test_probes_with_placeholders_filled_at_run_time_pass(check: Validate) -> None:
    text = probes(
        tcp_a="${host}:${port}",
        tcp_b=":6379",  # run probes the service's host
        tcp_c="${env.REDIS_HOST}:${env.REDIS_PORT}",
        log_a=r"listening on ${host}:${port} \(${name}\)",
        log_b=r"Ready \$${ok} to accept connections",  # $${ is a literal ${
        http_a="http://${host}:${port}/moto-api/",
        http_b="HTTPS://${env.HOST}/health",
    )
    result = check(text)
    assert (result.code, result.out) == (0, "matrix.yaml: ok, 1 cell in 1 level\n")


EIGHT_AXES = "".join(f"  {a}: [{', '.join(f'{a}{i}' for i in range(10))}]\n" for a in "abcdefgh")


def test_a_matrix_of_1e8_cells_is_refused_before_expanding(tmp_path: Path) -> None:
    """441 bytes, 10^8 combinations: refused at once (~0.3 s), in little memory.

    In a subprocess, so that the timing leaves out the interpreter's start and a
    regression (building the product) is stopped by the timeout and an address-space
    limit instead of taking the machine's memory.
    """
    (tmp_path / "matrix.yaml").write_text(
        f"version: 1\naxes:\n{EIGHT_AXES}levels:\n  big: {{axes: [a, b, c, d, e, f, g, h], "
        "run: t}\n",
        encoding="utf-8",
    )
    probe = textwrap.dedent(
        """\
        import resource, time
        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))
        from matrixgen.cli import main
        start = time.perf_counter()
        try:
            main(["validate"])
        except SystemExit as stop:
            code = stop.code
        seconds = time.perf_counter() - start
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"{code} {seconds:.3f} {rss}")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    code, seconds, megabytes = done.stdout.split()
    assert done.stderr == (
        "matrix.yaml:12:3: levels.big: level 'big' spans 100,000,000 combinations "
        "(10 a × 10 b × 10 c × 10 d × 10 e × 10 f × 10 g × 10 h), over matrixgen's limit of "
        "10,000 per level (counted before excludes; nothing was expanded); restrict its axes to "
        "the values it needs (`axes: {axis: [value, ...]}`), pin an axis with `with:`, "
        "or split it into levels\n"
    )
    assert code == "2"
    # No timed assertion (a loaded CI machine, coverage tracing the subprocess): building the
    # product instead takes minutes and gigabytes, which the 30 s timeout and the 2 GiB
    # address-space limit catch. The seconds are printed for whoever reads the output.
    print(f"refused in {seconds} s, {megabytes} MB")
    assert int(megabytes) < 500, megabytes


def test_levels_count_suites_and_includes_and_the_whole_matrix_has_a_bound(
    check: Validate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(size, "MAX_COMBINATIONS_PER_LEVEL", 12)
    monkeypatch.setattr(size, "MAX_COMBINATIONS", 30)
    text = """\
        version: 1
        axes: {a: [x, y, z], b: [p, q, r, s, t]}
        levels:
          ok: {axes: {a: [x, y, z], b: [p, q, r, s]}, run: t}
          over:
            suites:
              one: {axes: {a: [x, y]}, run: t}
              two: {axes: [a, b], run: t}
        """
    fix = (
        "restrict its axes to the values it needs (`axes: {axis: [value, ...]}`), "
        "pin an axis with `with:`, or split it into levels"
    )
    assert errors(check(text)) == [
        "matrix.yaml:5:3: levels.over: level 'over' spans 17 combinations (suite one: 2, "
        "suite two: 15), over matrixgen's limit of 12 per level (counted before excludes; "
        f"nothing was expanded); {fix}"
    ]
    text = text.replace("two: {axes: [a, b], run: t}", "two: {axes: [b], run: t}")
    text += "include:\n          - {level: ok, a: x, b: t}\n"  # 12 + 1: it counts
    assert errors(check(text)) == [
        "matrix.yaml:4:3: levels.ok: level 'ok' spans 13 combinations (3 a × 4 b) and 1 "
        "include, over matrixgen's limit of 12 per level (counted before excludes; nothing "
        f"was expanded); {fix}"
    ]
    # Each level within its bound (13 and 7), together over the matrix's.
    monkeypatch.setattr(size, "MAX_COMBINATIONS_PER_LEVEL", 13)
    monkeypatch.setattr(size, "MAX_COMBINATIONS", 19)
    assert errors(check(text)) == [
        "matrix.yaml:3:1: levels: the levels span 20 combinations together, over matrixgen's "
        "limit of 19 (counted before excludes; nothing was expanded); restrict axes to the "
        "values each level needs, or remove levels"
    ]
    monkeypatch.setattr(size, "MAX_COMBINATIONS", 20)
    done = check(text)  # `run: t` writes no JUnit: stderr warns about it
    assert (done.code, done.out) == (0, "matrix.yaml: ok, 20 cells in 2 levels\n")
