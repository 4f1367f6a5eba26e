"""The building blocks of matrix.yaml's models: names, durations, commands and the strict
base model every model derives from (`model` for the file, `github.model` for its GitHub
settings).
"""

# No `from __future__ import annotations` here: pydantic would compile and evaluate every
# field's annotation string when the class is made, on every uncached load.
import math
import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

# Letters, digits, '.', '_' and '-', but not `.` or `..`: names become path segments
# (compose profiles, results folders), where those two mean folders.
NAME_PATTERN = r"^(?:\.{0,2}[A-Za-z0-9_-]|\.\.\.)[A-Za-z0-9._-]*$"
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]

_DURATION = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s?)?\s*$",
    re.ASCII,  # "١٠m" is no duration: the schema's \d is ASCII, and so is every consumer's
)


# A week: far above any CI job's limit (GitHub's hosted runners stop a job at 6 h), and
# small enough that every consumer (minutes in a workflow, asyncio's timers) can hold it.
MAX_DURATION = 7 * 24 * 3600.0


def parse_duration(value: object) -> object:
    """'90', '30s', '20m', '1h30m' or a number -> seconds; other types are left to pydantic.
    A duration is finite and at most a week (`.inf` would crash whatever renders it); a
    boolean is none (`timeout: true` would be one second)."""
    if isinstance(value, bool):
        raise ValueError(
            f"{value!r} is not a duration; write seconds (90) or use units: 30s, 20m, 1h30m"
        )
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        match = _DURATION.match(value)
        if not (match and any(match.groups())):
            raise ValueError(
                f"{value!r} is not a duration; write seconds (90) or use units: 30s, 20m, 1h30m"
            )
        hours, minutes, part = (float(g) if g else 0.0 for g in match.groups())
        seconds = hours * 3600 + minutes * 60 + part
    else:
        return value
    if not math.isfinite(seconds) or seconds > MAX_DURATION:
        raise ValueError(
            f"{value!r} is not a usable duration: a duration is finite, above 0 and at most "
            f"7 days ({MAX_DURATION:g} seconds); write seconds (90) or units: 30s, 20m, 1h30m"
        )
    return seconds


# The schema shows what a user writes (a number or "20m"), not the seconds it becomes.
_DURATION_SCHEMA = {
    "anyOf": [
        {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_DURATION},
        {
            "type": "string",
            "pattern": r"^\s*(\d+(\.\d+)?h)?\s*(\d+(\.\d+)?m)?\s*(\d+(\.\d+)?s?)?\s*$",
        },
    ],
    "description": "Seconds, or a duration such as 30s, 20m, 1h30m.",
}
Duration = Annotated[
    float, BeforeValidator(parse_duration), Field(gt=0), WithJsonSchema(_DURATION_SCHEMA)
]


def or_short_form(short: dict[str, Any]) -> Any:
    """A json_schema_extra hook: also accept a short form that a before-validator expands."""

    def widen(schema: dict[str, Any]) -> None:
        long = dict(schema)
        schema.clear()
        schema["anyOf"] = [long, short]
        if "description" in long:
            schema["description"] = long["description"]

    return widen


NAME_LIST = {"type": "array", "items": {"type": "string", "pattern": NAME_PATTERN}}


# `values: {from: COMMAND, timeout: 30s}`: values a command prints (`load.computed`).
COMPUTED_VALUES = {
    "type": "object",
    "properties": {
        "from": {
            "anyOf": [
                {"type": "string", "minLength": 1},
                {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
            ],
            "description": "A command (a shell line, or an argv list) run in the folder of "
            "matrix.yaml when the cells are needed; each line it prints is one value.",
        },
        "timeout": {
            "anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "string"}],
            "description": "How long the command may take [default: 60s].",
        },
    },
    "required": ["from"],
    "additionalProperties": False,
}


def axis_values_schema(schema: dict[str, Any]) -> None:
    # `s3:` with nothing after it is an empty value; a plain list is the short form; a
    # mapping with `from:` (a command) is computed values.
    for name, entry in schema.get("patternProperties", {}).items():
        schema["patternProperties"][name] = {"anyOf": [entry, {"type": "null"}]}
    or_short_form(NAME_LIST)(schema)
    schema["anyOf"].append(COMPUTED_VALUES)


Command = Annotated[
    str | list[str], Field(description="a shell line, or an argv list run without a shell")
]


class Strict(BaseModel):
    # defer_build: each model's validator is built on first use, not when its class is
    # made. Loading validates MatrixFile alone, whose one schema holds every nested model,
    # so building each model's own validator too was wasted: ~15 ms of an uncached
    # `list`, which pays pydantic before its first cell (bench/list.py).
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # Building a schema, pydantic asks `inspect.signature` of every default factory
        # whether it takes the validated data. For the builtins `list` and `dict` that
        # means importing tokenize and parsing their text signature (dict's fails, and is
        # tried again for each field): ~15 ms for the ~45 factories of matrix.yaml's
        # models, of an uncached `list` (bench/list.py). Plain functions making the same
        # empty containers are read from their code object.
        super().__pydantic_init_subclass__(**kwargs)
        for info in cls.__pydantic_fields__.values():
            info.default_factory = _FACTORIES.get(info.default_factory, info.default_factory)


def _empty_list() -> list[Any]:
    return []


def _empty_dict() -> dict[Any, Any]:
    return {}


_FACTORIES: dict[object, Any] = {list: _empty_list, dict: _empty_dict}
