"""What matrixgen reads of a compose file: its services, and which of them has a healthcheck.

`validate` checks that a tester is one of its files' services; `render` places an overlay
into the include entry of the file whose services it changes, and makes the tester wait
for the cell's services. The file is composed into YAML nodes without building values
(an alias stays a reference to its anchor's node), after checks of size and nesting, so a
hostile file in a pull request cannot make `render --check` hang; compose reads the rest.
It is read bounded (`files.read_regular`): a regular file only, a link only within the
project, so a FIFO or a link to /dev/zero is refused at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from matrixgen.files import read_regular
from matrixgen.load.document import MAX_DEPTH, too_deep

MAX_BYTES = 4 * 1024 * 1024

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ComposeFileError(Exception):
    """The file cannot be read as a compose file; the message says why (without the path)."""


@dataclass(frozen=True)
class ComposeFile:
    path: str  # as matrix.yaml names it, relative to the project folder
    services: dict[str, bool]  # service name -> whether it declares a healthcheck


def read_compose_file(root: Path, path: str) -> ComposeFile:
    """The services of `root / path`. Raises ComposeFileError."""
    raw = read_regular(root / path, MAX_BYTES, links=True, within=root)
    if isinstance(raw, str):
        raise ComposeFileError(raw)
    try:
        text = raw.decode("utf-8-sig")
        if too_deep(text) is not None:
            raise ComposeFileError(f"nested deeper than {MAX_DEPTH} levels")
        node = yaml.compose(text, Loader=_Loader)
    except UnicodeDecodeError:
        raise ComposeFileError("not UTF-8 text") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ComposeFileError(f"not valid YAML{where}: {problem}") from None
    return ComposeFile(path, _services(node))


def _services(node: yaml.Node | None) -> dict[str, bool]:
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise ComposeFileError("not a compose file: expected a mapping at the top")
    services = _get(node, "services")
    if services is None or _is_null(services):
        return {}
    if not isinstance(services, yaml.MappingNode):
        raise ComposeFileError("`services:` is not a mapping of service names")
    found: dict[str, bool] = {}
    for key, value in services.value:
        if isinstance(key, yaml.ScalarNode):
            found[str(key.value)] = _has_healthcheck(value)
    return found


def _get(node: yaml.MappingNode, name: str) -> yaml.Node | None:
    """The value of key `name`, looking through one level of `<<` merge keys."""
    merged: list[yaml.Node] = []
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode):
            if key.value == name and key.tag != "tag:yaml.org,2002:merge":
                return value  # type: ignore[no-any-return]
            if key.tag == "tag:yaml.org,2002:merge" or key.value == "<<":
                merged += value.value if isinstance(value, yaml.SequenceNode) else [value]
    for source in merged:
        if isinstance(source, yaml.MappingNode):
            for key, value in source.value:
                if isinstance(key, yaml.ScalarNode) and key.value == name:
                    return value  # type: ignore[no-any-return]
    return None


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _has_healthcheck(service: yaml.Node) -> bool:
    """Whether compose can wait for it with `condition: service_healthy`."""
    if not isinstance(service, yaml.MappingNode):
        return False
    check = _get(service, "healthcheck")
    if not isinstance(check, yaml.MappingNode):
        return False
    disable = _get(check, "disable")
    if isinstance(disable, yaml.ScalarNode) and str(disable.value).lower() == "true":
        return False
    test = _get(check, "test")  # `test: ["NONE"]` disables the image's healthcheck
    first = test.value[0] if isinstance(test, yaml.SequenceNode) and test.value else None
    return not (isinstance(first, yaml.ScalarNode) and first.value == "NONE")
