"""`matrixgen schema`: the JSON Schema of matrix.yaml, generated from the model.

An optional key (default None) is written by leaving it out, so its schema has no `null`
branch: pydantic's `anyOf: [{type: string}, {type: null}]` made editors and
check-jsonschema answer a wrong `name: 5` with "5 is not of type 'null'" (issue 14); without
it they name the type expected. matrixgen itself still reads an explicit `null` there as
the key left out.
"""

from __future__ import annotations

import json
from typing import Any

from matrixgen.load.targets import models

NULL = {"type": "null"}


def schema_text() -> str:
    schema = models()[1].model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return (
        json.dumps(without_null_defaults(schema), indent=2, sort_keys=True, ensure_ascii=False)
        + "\n"
    )


def without_null_defaults(node: Any) -> Any:
    """`node` where every schema with `default: null` and a `null` branch loses both."""
    if isinstance(node, list):
        return [without_null_defaults(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: without_null_defaults(value) for key, value in node.items()}
    branches = node.get("anyOf")
    if (
        node.get("default", ...) is not None
        or not isinstance(branches, list)
        or NULL not in branches
    ):
        return node
    kept = [branch for branch in branches if branch != NULL]
    del node["default"], node["anyOf"]
    if len(kept) == 1:
        return {**kept[0], **node}  # the field's title and description win over the type's
    return {**node, "anyOf": kept}
