"""The cell's env file next to its compose profile, in compose's env file syntax.

Every value is double-quoted: `\\`, `"`, a newline and a carriage return are escaped and
`$` is doubled, so text reaches the container as written. A placeholder known only at run
time becomes compose's own interpolation: `${env.NAME}` is `${NAME}` and `${namespace}` is
`${MATRIXGEN_NAMESPACE}` (both from the environment `docker compose` runs in, which wins
over this file, as compose's precedence goes; the namespace has a default per cell).
`${junit}` is the JUnit path inside the tester's container (/results/<level>/<cell>.xml),
or `${MATRIXGEN_JUNIT}` in a profile without a tester.
"""

from __future__ import annotations

import re

from matrixgen.load.cells import Cell
from matrixgen.load.names import env_name

_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "$": "$$"}


def quoted_text(text: str) -> str:
    """Literal text inside a double-quoted env file value."""
    return re.sub(r'[\\"\n\r$]', lambda m: _ESCAPES[m.group()], text)


def env_value(text: str, values: dict[str, str], references: dict[str, str]) -> str:
    """A cell env string as a double-quoted env file value: placeholders in `values` filled
    in literally, those in `references` (and `env.NAME`) left to compose."""
    parts = ['"']
    position = 0
    for match in _TOKEN.finditer(text):
        parts.append(quoted_text(text[position : match.start()]))
        name = match.group(1)
        if name is None:
            parts.append(quoted_text("${"))
        elif name.startswith("env."):
            parts.append("${" + name[4:] + "}")
        elif name in references:
            parts.append("${" + references[name] + "}")
        else:
            parts.append(quoted_text(values[name]))
        position = match.end()
    parts.append(quoted_text(text[position:]))
    parts.append('"')
    return "".join(parts)


def env_lines(cell: Cell, *, namespace: str, junit: str | None) -> list[tuple[str, str]]:
    """(name, quoted value) of the cell's env file: MATRIXGEN_* first, then its `env:`."""
    literal = {"level": cell.level, "suite": cell.suite, "cell": cell.name, **cell.values}
    references = {"namespace": "MATRIXGEN_NAMESPACE"}
    if junit is None:
        references["junit"] = "MATRIXGEN_JUNIT"
    else:
        literal["junit"] = junit
    lines = {
        "MATRIXGEN_CELL": f'"{quoted_text(cell.id)}"',
        "MATRIXGEN_LEVEL": f'"{quoted_text(cell.level)}"',
        "MATRIXGEN_SUITE": f'"{quoted_text(cell.suite)}"',
        **{env_name(axis): f'"{quoted_text(value)}"' for axis, value in cell.values.items()},
        # The run's own namespace wins (compose takes the environment first); this default
        # serves a profile brought up by hand.
        "MATRIXGEN_NAMESPACE": '"${MATRIXGEN_NAMESPACE:-' + namespace + '}"',
    }
    if junit is not None:
        lines["MATRIXGEN_JUNIT"] = f'"{quoted_text(junit)}"'
    for key, text in cell.env.items():
        if key not in lines:  # as in `matrixgen run`, matrixgen's own names win
            lines[key] = env_value(text, literal, references)
    return list(lines.items())
