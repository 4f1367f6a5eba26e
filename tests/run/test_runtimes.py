"""Where a service runs is decided once (`load.runtimes`), and every reader takes it from
there: `matrixgen run --services`, the runtime of each service, a CI job's `--services`,
and the behaviour of each runtime (`run.runtimes`)."""

from __future__ import annotations

import pytest

from matrixgen.cli import run as run_command
from matrixgen.load.model import Service
from matrixgen.load.runtimes import CHOICES, RUNTIMES, Choice, choose, ci_choice
from matrixgen.run.runtimes import BEHAVIOURS

PROCESS = {"command": ["server", "${port}"], "ready": {"tcp": "127.0.0.1:${port}"}}
NATIVE_ONLY = Service.model_validate({"process": PROCESS})
COMPOSE_ONLY = Service.model_validate({"compose": "compose/s.yml"})
BOTH = Service.model_validate({"process": PROCESS, "compose": "compose/s.yml"})


def test_every_runtime_has_its_behaviour_and_the_cli_offers_the_selectable_ones() -> None:
    assert set(BEHAVIOURS) == set(RUNTIMES)
    assert all(behaviour.name == name for name, behaviour in BEHAVIOURS.items())
    option = next(p for p in run_command.params if p.name == "services_mode")
    assert tuple(option.type.choices) == CHOICES == ("auto", "native", "compose")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("service", "choice", "engine", "expected"),
    [
        (BOTH, "auto", True, Choice("compose")),
        (BOTH, "auto", False, Choice("native")),
        (BOTH, "native", True, Choice("native")),
        (BOTH, "compose", True, Choice("compose")),
        (NATIVE_ONLY, "compose", True, Choice("native")),  # no file: it runs natively
        (NATIVE_ONLY, "auto", True, Choice("native")),
        (COMPOSE_ONLY, "auto", True, Choice("compose")),
        (
            COMPOSE_ONLY,
            "auto",
            False,
            Choice(
                "", "service s runs only under Docker (`compose:`) and no Docker engine answers"
            ),
        ),
        (
            COMPOSE_ONLY,
            "native",
            True,
            Choice("", "service s has no `process:` to run it natively (--services native)"),
        ),
    ],
)
def test_one_decision_of_a_runtime(
    service: Service, choice: str, engine: bool, expected: Choice
) -> None:
    assert choose("s", service, choice=choice, engine=engine) == expected
    assert choose("s", service, choice=choice, engine=engine, provided=True) == Choice("provided")


def test_a_ci_job_names_the_runtime_its_services_need() -> None:
    assert ci_choice([]) == "native"
    assert ci_choice([NATIVE_ONLY, BOTH]) == "native"
    assert ci_choice([NATIVE_ONLY, COMPOSE_ONLY]) == "compose"  # the first runs natively there
