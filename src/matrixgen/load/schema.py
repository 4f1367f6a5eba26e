"""`matrixgen schema`: the JSON Schema of matrix.yaml, generated from the model."""

from __future__ import annotations

import json

from matrixgen.load.model import MatrixFile


def schema_text() -> str:
    schema = MatrixFile.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
