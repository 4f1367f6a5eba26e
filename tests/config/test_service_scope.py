"""`scope:` of a service, and validate's warning about a shared service on a fixed port."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import Result

from .project import errors, validate

MATRIX = """\
    version: 1
    axes:
      n: [a, b]
    services:
      redis:
        {scope}
        process:
          command: [redis-server, --port, "6379"]
          ready: {ready}
    levels:
      unit:
        axes: [n]
        services: [redis]
        run: pytest --junitxml=${{junit}}
"""


@pytest.mark.parametrize(
    "ready", ['{tcp: "127.0.0.1:6379"}', '{http: "http://${host}:6379/health"}']
)
def test_a_shared_service_on_a_fixed_port_used_by_several_cells_is_warned_about(
    matrixgen: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ready: str
) -> None:
    result = validate(matrixgen, tmp_path, monkeypatch, MATRIX.format(scope="", ready=ready))
    assert result.code == 0, result
    assert result.err == (
        "matrix.yaml:5:3: services.redis: warning: service redis listens on the fixed port "
        "6379 and is shared by 2 cells, which `matrixgen run -j N` runs at the same time "
        "against it; if its tests expect it to themselves, declare `scope: exclusive` (one "
        "cell at a time), or use ${port} and `scope: cell` (an instance for each cell)\n"
    )


@pytest.mark.parametrize(
    ("scope", "ready"),
    [
        ("scope: exclusive", '{tcp: "127.0.0.1:6379"}'),
        ("scope: cell", '{tcp: "127.0.0.1:6379"}'),
        ("scope: shared", '{tcp: "127.0.0.1:${port}"}'),  # its port is chosen per run
        ("scope: shared", '{tcp: "127.0.0.1:${env.REDIS_PORT}"}'),  # not known here
        ("scope: shared", '{log: "Ready to accept"}'),
    ],
)
def test_no_warning_where_cells_cannot_share_a_fixed_port(
    matrixgen: Callable[..., Result],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    scope: str,
    ready: str,
) -> None:
    result = validate(matrixgen, tmp_path, monkeypatch, MATRIX.format(scope=scope, ready=ready))
    assert result.code == 0, result
    assert result.err == ""


def test_an_unknown_scope_is_a_located_error(
    matrixgen: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = MATRIX.format(scope="scope: percell", ready='{tcp: "127.0.0.1:${port}"}')
    [line] = errors(validate(matrixgen, tmp_path, monkeypatch, text))
    assert line.startswith("matrix.yaml:6:12: services.redis.scope: ")
    assert "'shared', 'cell' or 'exclusive'" in line
