"""The schema target: `outputs.schema`, the JSON Schema of matrix.yaml for editors.

The schema comes from matrixgen's model, not from the matrix, so it goes stale when
matrixgen is upgraded; as a target, `render` rewrites it and `render --check` says when it
is behind. JSON has no comments: the header is the schema's `$comment` (see marks).
"""

from __future__ import annotations

from matrixgen.load.matrix import Matrix
from matrixgen.load.schema import schema_text
from matrixgen.marks import JSON_SCHEMA
from matrixgen.render.target import Output, RenderContext, Rendered


class SchemaTarget:
    name = "schema"

    def enabled(self, matrix: Matrix) -> bool:
        return matrix.model.outputs.schema_file is not None

    def render(self, context: RenderContext) -> Rendered:
        path = context.matrix.model.outputs.schema_file
        assert path is not None
        text = schema_text()
        assert text.startswith("{\n")  # the header line opens the object
        return Rendered([Output(path, text.removeprefix("{\n"), JSON_SCHEMA)])
