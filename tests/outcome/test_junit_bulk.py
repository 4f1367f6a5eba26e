"""The reader counts the self-closing test cases its patterns vouch for without parsing them
(junit._runs, junit._run_patterns): each file here must read exactly as with every element
parsed through the handlers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.examples import examples

from matrixgen.outcome import junit
from matrixgen.outcome.junit import MAX_DEPTH, JUnitFile, read_junit

PASSED = '<testcase classname="tests.test_a" name="test_{}" time="0.01"/>'
HEAD = '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="t" time="1.5">'
TAIL = "</testsuite></testsuites>"


def passed(count: int, start: int = 0) -> str:
    return "".join(PASSED.format(i) for i in range(start, start + count))


def amid_runs(text: str) -> str:
    """A file of one suite: three passed cases, `text`, three more."""
    return HEAD + passed(3) + text + passed(3) + TAIL


# name -> (file text, whether the bulk path applies to it)
FILES: dict[str, tuple[str, bool]] = {
    "pytest": (
        HEAD
        + '<properties><property name="matrixgen.status" value="failed"/></properties>'
        + passed(5)
        + '<testcase classname="c" name="f"><failure message="m">trace\nback</failure>'
        + "</testcase>"
        + passed(4, 5)
        + '<testcase classname="c" name="s"><skipped message="no redis"/></testcase>'
        + passed(3, 9)
        + '<testcase classname="c" name="e"><error message="boom"/></testcase>'
        + '<testcase classname="c" name="r"><rerunFailure message="once"/></testcase>'
        + passed(6, 12)
        + TAIL,
        True,
    ),
    "indented, CRLF, '>' and quotes in values": (
        HEAD.replace("><", ">\r\n  <")
        + "\r\n    ".join(
            [
                '<testcase name="test[a>b]" time="1"/>',
                "<testcase name='single \"quoted\"' time='2' />",
                '<testcase\r\n name="x" />',
                '<testcase name="fails[>]">',
                '  <failure message="a &gt; b">x &lt; y</failure>',
                "</testcase >",
                "<testcase/>",
                '<testcase name="last"/>',
            ]
        )
        + TAIL,
        True,
    ),
    "a test case inside another": (
        HEAD + passed(3) + '<testcase name="outer">' + passed(3) + "</testcase>" + TAIL,
        False,
    ),
    "an open test case inside another": (
        HEAD + '<testcase name="o"><testcase name="i"><failure/></testcase></testcase>' + TAIL,
        False,
    ),
    "test cases in odd places": (
        HEAD + "<properties>" + passed(3) + "</properties><x><y>" + passed(3) + "</y></x>" + TAIL,
        True,
    ),
    "a property given as text, around test cases": (
        HEAD
        + "<x>"
        + passed(3)
        + '</x><properties><property name="p">te'
        + passed(2)
        + 'xt<a/></property><property name="q">  </property></properties>'
        + passed(3)
        + TAIL,
        True,
    ),
    # A file refused with runs cut says what a parse of each element says first.
    "a malformed case in a run": (
        amid_runs('<testcase name="a" name="b"/>'),
        True,
    ),
    "not JUnit, with a malformed case later": (
        "<html>" + passed(3) + '<testcase name="x" = />' + passed(3) + "</html>",
        True,
    ),
    "truncated in a run": (HEAD + passed(3) + '<testcase name="cut', True),
    "no suite time: the cases' times count": (
        "<testsuites><testsuite>" + passed(5) + TAIL,
        True,
    ),
    "root time": ('<testsuite time="7">' + passed(5) + "</testsuite>", True),
    "a comment": (HEAD + passed(2) + "<!--" + passed(2) + "-->" + passed(2) + TAIL, False),
    "CDATA": (HEAD + '<testcase name="c"><system-out><![CDATA[' + passed(3) + "]]>", False),
    "a processing instruction": (HEAD + passed(3) + "<?pi " + passed(1) + "?>" + TAIL, False),
    "latin-1": (
        '<?xml version="1.0" encoding="ISO-8859-1"?><testsuite time="1">'
        + passed(3)
        + "</testsuite>",
        False,
    ),
    "a test case as root": (passed(1), True),
    "a test case in an attribute value": (HEAD + '<x a="' + passed(3) + '"/>' + TAIL, True),
    "a repeated attribute in a run": (
        amid_runs('<testcase name="a" name="b"/>'),
        True,
    ),
    "an undefined entity in a run": (
        amid_runs('<testcase name="&nope;"/>'),
        True,
    ),
    "cut off in a run": ((HEAD + passed(20))[:-30], True),
    # What the run patterns leave to expat: each reads as a parse of each element does.
    "an attribute twice in pytest's order": (
        amid_runs('<testcase classname="a" classname="b"/>'),
        True,
    ),
    "a control character in a value": (
        amid_runs('<testcase name="a\x01b"/>'),
        True,
    ),
    "a form feed between cases": (amid_runs("\f"), True),
    "non-ASCII, an entity and single quotes in values": (
        HEAD
        + passed(3)
        + '<testcase name="caf\u00e9[\u2603]"/><testcase name="a &amp; b"/>'
        + "<testcase name='q'/>"
        + passed(3)
        + TAIL,
        True,
    ),
    "non-ASCII in a file that declares ASCII": (
        '<?xml version="1.0" encoding="us-ascii"?><testsuite time="1">'
        + passed(3)
        + '<testcase name="caf\u00e9"/>'
        + passed(3)
        + "</testsuite>",
        True,
    ),
    "test cases in an attribute value, one the patterns leave to expat": (
        HEAD + '<x a="' + passed(3) + "<testcase name='q'/>" + passed(2) + '"/>' + TAIL,
        True,
    ),
    "a case the patterns leave to expat amid a run": (
        amid_runs("<testcase name='q'/>" + passed(2, 3) + '<testcase name="&#38;"/>'),
        True,
    ),
    "text between cases": (amid_runs("text" + passed(2, 3) + " more "), True),
    "xunit1's and Maven's attributes": (
        HEAD
        + '<testcase classname="c" name="a" file="t.py" line="3" time="1"/>' * 3
        + '<testcase name="b" classname="C" time="2"/>' * 3
        + TAIL,
        True,
    ),
    "test cases after the root": (HEAD + passed(3) + TAIL + passed(3), True),
    "test cases before the root": (
        passed(3) + '<testsuite time="1">' + passed(3) + "</testsuite>",
        True,
    ),
    "another element named testcases": (amid_runs("<testcases/>"), True),
    "test cases at the depth limit": (
        '<testsuite time="1">'
        + "<s>" * (MAX_DEPTH - 1)
        + passed(3)
        + "</s>" * (MAX_DEPTH - 1)
        + "</testsuite>",
        True,
    ),
    "test cases just above the depth limit": (
        '<testsuite time="1">'
        + "<s>" * (MAX_DEPTH - 2)
        + passed(3)
        + "</s>" * (MAX_DEPTH - 2)
        + "</testsuite>",
        True,
    ),
}


def each_element(path: Path, monkeypatch: pytest.MonkeyPatch) -> JUnitFile:
    with monkeypatch.context() as patch:
        patch.setattr(junit, "_runs", lambda data: None)
        return read_junit(path)


@pytest.mark.parametrize("name", list(FILES))
def test_bulk_reads_as_each_element(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, bulk = FILES[name]
    path = tmp_path / "junit.xml"
    path.write_bytes(text.encode("latin-1" if "ISO-8859-1" in text else "utf-8"))
    assert (junit._runs(path.read_bytes()) is not None) is bulk
    assert read_junit(path) == each_element(path, monkeypatch)


@pytest.mark.parametrize(
    ("run", "plain"),
    [
        (passed(3), True),
        ('<testcase classname="c" name="a" time="1" />\n  <testcase name="b"/>', True),
        ('<testcase classname="c" name="a" file="t.py" line="3" time="1"/>', True),
        ('<testcase name="b" classname="C" time="2"/>\r\n', True),
        ('<testcase classname="c" file="t.py" line="3" name="a" time="1"/>', True),
        ('<testcase classname="c" file="t.py" line="3" file="u.py" name="a"/>', False),
        ('<testcase classname="a" classname="b"/>', False),
        ('<testcase name="a" time="1" name="b"/>', False),
        ('<testcase time="1" classname="c"/>', False),  # another order: expat's to check
        ('<testcase name="a\x01b"/>', False),
        ('<testcase name="a &amp; b &lt;&gt;&quot;&apos;"/>', True),
        ('<testcase name="a &#38; b"/>', False),  # a character reference: expat's to check
        ('<testcase name="a &nope; b"/>', False),
        ('<testcase name="a & b"/>', False),
        ('<testcase name="caf\u00e9 \u2603 \U0001f600"/>', True),
        ('<testcase name="\ud800"/>', False),  # a surrogate, in "UTF-8"
        ('<testcase name="\ufffe"/>', False),  # no XML character
        ("<testcase name='q'/>", False),
        ('<testcase name="a"/>\f', False),
        ('<testcase name="a">', False),
    ],
)
def test_only_tags_well_formed_by_the_pattern_are_counted_in_bulk(run: str, plain: bool) -> None:
    data = run.encode("utf-8", "surrogatepass")
    pytest, general = junit._run_patterns_of(data)
    assert bool(pytest.fullmatch(data) or general.fullmatch(data)) is plain


def test_a_case_the_patterns_leave_to_expat_leaves_the_rest_of_its_run_in_bulk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(
        amid_runs("<testcase name='q'/>" + passed(4, 3) + '<testcase name="&#38;"/>'),
        encoding="utf-8",
    )
    counted: list[int] = []
    bulk = junit._Reader.passed_in_bulk

    def recording(reader: junit._Reader, count: int) -> None:
        counted.append(count)
        bulk(reader, count)

    monkeypatch.setattr(junit._Reader, "passed_in_bulk", recording)
    result = read_junit(path)
    assert (result.passed, result.problem) == (12, None)
    assert counted == [3, 4, 3]  # the two single-quoted and character-reference cases parsed


def test_the_bulk_path_counts(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(FILES["pytest"][0], encoding="utf-8")
    data = path.read_bytes()
    runs = junit._runs(data)
    assert runs is not None and [data.count(b"<", *run) for run in runs] == [5, 4, 3, 6]
    result = read_junit(path)
    assert (result.passed, result.failed, result.skipped, result.errors) == (18, 3, 1, 1)
    assert [f.test for f in result.failures] == ["c.f", "c.e", "c.r"]
    assert result.properties == {"matrixgen.status": "failed"}
    assert result.duration == 1.5


# Bytes a mutation puts into a pytest file: what the run patterns must never vouch for
# wrongly (quotes, '&', '<', control, non-ASCII and invalid UTF-8 bytes, whitespace).
NOISE = st.binary(min_size=1, max_size=3) | st.sampled_from(
    [b'"', b"'", b"&", b"&amp;", b"<", b">", b"/>", b"\x01", b"\xc3\xa9", b"\xff", b"\f", b" ",
     b' name="x"', b' classname="y"', b"<testcase/>", b"</testcase>", b"&lt;", b"&#0;",
     b"&#38;", b"\xed\xa0\x80", b"\xef\xbf\xbe", b"\xc0\xaf", b"\xf0\x9f\x98\x80",
     b'<x a="', b'"/>', b"<testcase name='q'/>", b"text"]
)  # fmt: skip


@settings(
    max_examples=examples(300),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(edits=st.lists(st.tuples(st.integers(min_value=0), NOISE), min_size=1, max_size=4))
def test_a_mutated_file_reads_as_each_element(
    edits: list[tuple[int, bytes]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pytest file with bytes put in at random places (inside tags, values, runs): the
    bulk path says exactly what a parse of each element says, a problem included."""
    data = FILES["pytest"][0].encode()
    for at, noise in edits:
        at %= len(data) + 1
        data = data[:at] + noise + data[at:]
    path = tmp_path / "junit.xml"
    path.write_bytes(data)
    assert read_junit(path) == each_element(path, monkeypatch)


HERE = Path(__file__).parent
REAL = sorted([*(HERE / "formats").glob("*.xml"), *(HERE / "corpus").glob("*.xml")])


@pytest.mark.parametrize("path", REAL, ids=[f"{p.parent.name}/{p.name}" for p in REAL])
def test_each_format_and_hostile_file_reads_as_each_element(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gotestsum's, jest's, pytest's (both families) and Surefire's files, and the hostile
    corpus: the same reading with the runs counted in bulk as element by element."""
    assert read_junit(path) == each_element(path, monkeypatch)
