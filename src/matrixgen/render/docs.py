"""The docs target: the support table region of `outputs.docs.file` (see `results.docs`),
in the page's format (Markdown, or reStructuredText for `.rst`)."""

from __future__ import annotations

from matrixgen.errors import MarkersError, UnreadableFileError
from matrixgen.files import read_text
from matrixgen.load.matrix import Matrix
from matrixgen.render.target import Output, Region, RenderContext, Rendered
from matrixgen.render.writer import MAX_BYTES
from matrixgen.results.docs import (
    PageFormat,
    layout_key,
    new_page,
    page_format,
    read_meta,
    region_body,
)


class DocsTarget:
    name = "docs"

    def enabled(self, matrix: Matrix) -> bool:
        return matrix.model.outputs.docs is not None

    def render(self, context: RenderContext) -> Rendered:
        docs = context.matrix.model.outputs.docs
        assert docs is not None
        page = page_format(docs.file)
        body = region_body(context.matrix, page=page)
        existing = _existing_results(context, docs.file, page)
        if existing is not None and read_meta(existing) == ("results", layout_key(context.matrix)):
            body = existing  # results from `matrixgen report` for this very layout: keep them

        def new_file(region: str) -> str:
            return new_page(page, context.source, region)

        region = Region(page.markers, new_file)
        return Rendered([Output(docs.file, body, page.comment, region)])


def _existing_results(context: RenderContext, file: str, page: PageFormat) -> str | None:
    root = context.root
    try:
        text = read_text(root / file, MAX_BYTES, shown=file, links=True, within=root)
    except UnreadableFileError:
        return None  # a FIFO, a device, a link out: the writer refuses it in one line
    if text is None:
        return None
    try:
        span = page.markers.find(text)
    except MarkersError:
        return None  # the writer refuses the page and names every marker line
    return None if span is None or span.edited else span.body
