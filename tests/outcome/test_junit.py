"""The safe JUnit reader: runner formats, and every hostile or malformed file in corpus/."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.examples import examples

from matrixgen.outcome.junit import MESSAGE_CHARS, read_junit

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
FORMATS = HERE / "formats"
DTD_SUBSET = "refused: it declares a DTD with an internal subset; matrixgen never expands entities"

REASONS = {
    "billion_laughs.xml": DTD_SUBSET,
    "quadratic_blowup.xml": DTD_SUBSET,
    "xxe_file.xml": DTD_SUBSET,
    "xxe_parameter_entity.xml": DTD_SUBSET,
    "external_dtd.xml": "refused: it names an external DTD (http://127.0.0.1:9/junit.dtd); "
    "matrixgen never loads DTDs",
    "external_dtd_public.xml": "refused: it names an external DTD (file:///etc/passwd); "
    "matrixgen never loads DTDs",
    "undefined_entity.xml": "it refers to an undefined entity at line 2, column 1",
    "truncated.xml": "it ends early at line 4, column 1 (truncated?)",
    "empty.xml": "the file is empty",
    "whitespace_only.xml": "the file holds only whitespace",
    "not_xml.xml": "it is not XML (it starts with 'collected 12 items')",
    "json_instead.xml": 'it is not XML (it starts with \'{"tests": 3, "failur\')',
    "binary.xml": "it holds binary data, not XML",
    "nul_inside.xml": "it holds binary data, not XML",
    "gzipped.xml": "it is gzip-compressed, not XML; decompress it first",
    "utf16_without_bom.xml": "it is UTF-16 without a byte-order mark; "
    "write UTF-8, or UTF-16 with a BOM",
    "declared_utf16_is_utf8.xml": "the encoding in its XML declaration does not match its bytes "
    "at line 1, column 31",
    "latin1_declared_utf8.xml": "not well-formed (an invalid character or byte; is it UTF-8?) "
    "at line 2, column 21",
    "unknown_encoding.xml": "its XML declaration names an unknown encoding (klingon-8)",
    "wrong_root_html.xml": "not JUnit: the root element is <html>, "
    "expected <testsuites> or <testsuite>",
    "wrong_root_surefire_summary.xml": "not JUnit: the root element is <failsafe-summary>, "
    "expected <testsuites> or <testsuite>",
    "mismatched_tag.xml": "not well-formed (mismatched tag) at line 1, column 42",
    "junk_after_root.xml": "not well-formed (a second root element, or text after the root) "
    "at line 2, column 1",
    "deep_nesting.xml": "refused: elements nest deeper than 256 levels",
    # harmless: read as ordinary JUnit, nothing fetched or included
    "stylesheet_pi.xml": None,
    "xinclude.xml": None,
    "utf16_with_bom.xml": None,
}


def test_the_corpus_is_fully_covered() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(REASONS)


@pytest.mark.parametrize("name", sorted(REASONS))
def test_corpus_file_gives_its_exact_reason(name: str) -> None:
    junit = read_junit(CORPUS / name)
    assert junit.problem == REASONS[name]
    if junit.problem is not None:  # half a file is not a result
        assert (junit.tests, junit.failures, junit.properties) == (0, [], {})
    else:
        assert (junit.passed, junit.failed) == (1, 0)


def test_no_entity_or_file_content_ever_reaches_the_result() -> None:
    for name in ("xxe_file.xml", "xinclude.xml", "external_dtd_public.xml"):
        junit = read_junit(CORPUS / name)
        text = repr(junit.__dict__)
        assert "root:" not in text and "/bin/" not in text  # /etc/passwd lines look like root:x:0:0


def test_a_huge_attribute_is_clipped_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "huge.xml"
    path.write_text(
        '<testsuite><testcase name="t"><failure message="'
        + "A" * 5_000_000
        + '"/></testcase></testsuite>'
    )
    junit = read_junit(path)
    assert (junit.problem, junit.failed) == (None, 1)
    assert len(junit.failures[0].message) == MESSAGE_CHARS
    assert junit.failures[0].message.endswith("…")


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(b"<testsuite>" + b" " * (3 * 2**20) + b"</testsuite>")
    junit = read_junit(path, max_bytes=2 * 2**20)
    assert junit.problem == "the file is 3.0 MiB, over the 2 MiB limit"


def test_an_unreadable_path_is_a_reason(tmp_path: Path) -> None:
    junit = read_junit(tmp_path / "gone.xml")
    assert junit.problem == "cannot read it: No such file or directory"


@settings(max_examples=examples(300), deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "x.xml"
    path.write_bytes(data)
    junit = read_junit(path)
    assert junit.problem is not None or junit.tests >= 0


@settings(max_examples=examples(200), deadline=None)
@given(st.text(alphabet="<>/=\"' &;!?[]-abtescuiDOCTYPENTIY\n", max_size=200))
def test_xml_like_noise_never_raises(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "x.xml"
    path.write_text("<testsuite>" + text, encoding="utf-8")
    assert isinstance(read_junit(path).problem, (str, type(None)))


# (file, passed, failed, skipped, flaky, errors, duration)
FORMAT_COUNTS = [
    ("pytest.xml", 2, 2, 1, 0, 1, 2.345),
    ("pytest_legacy.xml", 2, 0, 0, 0, 0, 0.5),
    ("surefire.xml", 2, 1, 1, 1, 0, 4.2),
    ("surefire_rerun_only.xml", 0, 1, 0, 0, 0, 1.0),
    ("gotestsum.xml", 2, 1, 1, 0, 0, 3.1),
    ("jest.xml", 1, 1, 1, 0, 0, 1.5),
    ("nested.xml", 2, 1, 0, 0, 1, 7.5),
]


@pytest.mark.parametrize(
    ("name", "passed", "failed", "skipped", "flaky", "errors", "duration"), FORMAT_COUNTS
)
def test_runner_formats_are_counted(
    name: str, passed: int, failed: int, skipped: int, flaky: int, errors: int, duration: float
) -> None:
    junit = read_junit(FORMATS / name)
    assert junit.problem is None
    assert (junit.passed, junit.failed, junit.skipped, junit.flaky, junit.errors) == (
        passed,
        failed,
        skipped,
        flaky,
        errors,
    )
    assert junit.duration == pytest.approx(duration)


def test_failure_messages_and_skip_reasons_are_kept() -> None:
    junit = read_junit(FORMATS / "pytest.xml")
    assert [(f.test, f.kind) for f in junit.failures] == [
        ("tests.test_store.test_cas_conflict", "failure"),
        ("tests.test_store.test_close", "error"),
    ]
    assert junit.failures[0].message.splitlines()[:2] == [
        "AssertionError: expected 412, got 200",
        "def test_cas_conflict(store):",
    ]
    assert junit.skip_reasons == ["TTL needs redis >= 7"]


def test_surefire_reruns_and_properties() -> None:
    junit = read_junit(FORMATS / "surefire.xml")
    kinds = [(f.test, f.kind) for f in junit.failures]
    assert kinds == [
        ("com.example.StoreIT.reconnects", "flakyFailure"),
        ("com.example.StoreIT.casConflict", "failure"),
        ("com.example.StoreIT.casConflict", "rerunFailure"),
    ]
    assert junit.properties["java.version"] == "17.0.9"


def test_jest_title_is_not_repeated_and_property_text_is_read() -> None:
    assert read_junit(FORMATS / "jest.xml").failures[0].test == "store rejects a stale write"
    assert read_junit(FORMATS / "nested.xml").properties == {"matrixgen.cell": "component/s3-lww"}
