"""Read one JUnit XML file safely, as pytest, Maven Surefire, gotestsum and Jest write it.

JUnit files come from CI artifacts and pull requests, so they are untrusted input. The
reader drives expat directly instead of building a tree:
- a DOCTYPE with an external id or an internal subset is refused the moment expat sees
  it, before any entity is declared, so no DTD is fetched (XXE) and no entity is ever
  expanded (billion laughs, quadratic blowup); parameter entities are switched off too;
- it streams and keeps only counts and the first lines of failures, so a 100,000-case
  file costs no tree, and a huge attribute costs one clipped string; runs of passing test
  cases (self-closing tags) that a strict pattern vouches for are counted, not parsed
  (`_runs`, `_run_patterns`);
- every problem becomes a `JUnitFile.problem` sentence for the cell; nothing raises.
(defusedxml does the same refusal, but on the pure-Python ElementTree parser; the
streaming handlers are both stricter, forbidding the DTD outright, and faster.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from matrixgen.files import not_regular as not_regular  # re-exported for the report
from matrixgen.files import read_regular

MAX_BYTES = 64 * 1024 * 1024  # one cell's JUnit; pytest writes ~300 bytes per test case
MAX_DEPTH = 256  # real reports nest suites a few levels deep
MESSAGE_CHARS = 2000  # kept of each failure's message and text
FAILURES_KEPT = 50  # per file; the rest are only counted
SUITES = ("testsuites", "testsuite")
FAILED_KINDS = ("failure", "error", "rerunFailure", "rerunError")
FLAKY_KINDS = ("flakyFailure", "flakyError")


@dataclass(frozen=True)
class Failure:
    test: str  # "classname.name" as the runner wrote it
    kind: str  # failure, error, rerunFailure, rerunError
    message: str  # the message attribute, then the element's text; clipped


@dataclass
class JUnitFile:
    path: Path
    properties: dict[str, str] = field(default_factory=dict)  # suite-level <property> elements
    passed: int = 0
    failed: int = 0  # failure, error, rerunFailure, rerunError
    skipped: int = 0
    flaky: int = 0  # passed, after a flakyFailure or flakyError; also counted in `passed`
    errors: int = 0  # of `failed`, those with an <error> (crash in setup, not an assertion)
    duration: float | None = None
    failures: list[Failure] = field(default_factory=list)
    skip_reasons: list[str] = field(default_factory=list)  # distinct, in file order
    problem: str | None = None  # why the file cannot be trusted; the cell becomes `error`

    @property
    def tests(self) -> int:
        return self.passed + self.failed + self.skipped


class Refused(Exception):
    """The file is well-formed enough to judge, and what it holds is not acceptable JUnit."""


def clip(text: str, limit: int = MESSAGE_CHARS) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _seconds(text: str | None) -> float | None:
    if not text:
        return None
    try:
        value = float(text.replace(",", ""))  # Surefire writes "1,234.5" in some locales
    except ValueError:
        return None
    return value if value >= 0 and value == value and value != float("inf") else None


def _test_name(attrs: dict[str, str]) -> str:
    """'classname.name', as a failure names its test."""
    classname, test = attrs.get("classname", ""), attrs.get("name", "")
    # jest-junit repeats the title as classname; say it once
    joined = f"{classname}.{test}" if classname and test and classname != test else None
    return clip(joined or test or classname, 300)


class _Reader:
    """expat handlers that tally test cases while the file streams past."""

    def __init__(self, result: JUnitFile) -> None:
        self.result = result
        self.stack: list[str] = []
        self.case: dict[str, str] | None = None  # attributes of the open <testcase>
        self.case_depth = 0
        self.outcome = "passed"
        self.capture: list[str] | None = None  # text of the open failure element
        self.captured = 0
        self.property_name: str | None = None
        self.root_time: float | None = None
        self.suite_times: list[float] = []
        self.case_times = 0.0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        stack = self.stack
        depth = len(stack)
        if not depth:
            if name not in SUITES:
                raise Refused(
                    f"not JUnit: the root element is <{clip(name, 40)}>, "
                    "expected <testsuites> or <testsuite>"
                )
        elif depth >= MAX_DEPTH:
            raise Refused(f"refused: elements nest deeper than {MAX_DEPTH} levels")
        stack.append(name)
        if name == "testcase":  # first: most elements are test cases
            if self.case is None:
                self.case = attrs  # its name is made only for a failure (`_test_name`)
                self.case_depth = depth + 1
                self.outcome = "passed"
                # Cases' times count only when no suite gives one (`duration`), and the
                # times of the root and of first-level suites come before their cases.
                if self.root_time is None and not self.suite_times:
                    self.case_times += _seconds(attrs.get("time")) or 0.0
            elif depth == self.case_depth:
                self._outcome(name, attrs)
        elif name in SUITES:
            seconds = _seconds(attrs.get("time"))
            if depth == 0:
                self.root_time = seconds
            elif depth == 1 and stack[0] == "testsuites" and seconds is not None:
                self.suite_times.append(seconds)
        elif self.case is not None and depth == self.case_depth:
            self._outcome(name, attrs)
        elif (
            name == "property"
            and depth >= 2
            and stack[depth - 1] == "properties"
            and stack[depth - 2] in SUITES
        ):
            value = attrs.get("value")
            if value is None:  # some runners put the value in the element's text
                self.property_name = attrs.get("name")
                self.capture, self.captured = [], 0
            elif "name" in attrs:
                value = value.strip()  # `clip`, inline: every file has a few properties
                if len(value) > MESSAGE_CHARS:
                    value = clip(value)
                self.result.properties[attrs["name"]] = value

    def _outcome(self, name: str, attrs: dict[str, str]) -> None:
        if name in FAILED_KINDS:
            self.outcome = "error" if name == "error" and self.outcome != "failed" else "failed"
        elif name in FLAKY_KINDS:
            if self.outcome == "passed":
                self.outcome = "flaky"
        elif name == "skipped":
            if self.outcome in ("passed", "flaky"):
                self.outcome = "skipped"
            reason = clip(attrs.get("message", ""), 300)
            if (
                reason
                and reason not in self.result.skip_reasons
                and len(self.result.skip_reasons) < 20
            ):
                self.result.skip_reasons.append(reason)
            return
        else:
            return
        if len(self.result.failures) < FAILURES_KEPT:
            self.capture, self.captured = [clip(attrs.get("message", ""))], 0

    def text(self, data: str) -> None:
        if self.capture is not None and self.captured < MESSAGE_CHARS:
            self.capture.append(data[: MESSAGE_CHARS - self.captured])
            self.captured += len(data)

    def end(self, name: str) -> None:
        self.stack.pop()
        depth = len(self.stack)
        if self.capture is not None:
            if name == "property" and self.property_name is not None:
                self.result.properties[self.property_name] = clip("".join(self.capture))
                self.property_name, self.capture = None, None
                return
            if depth == self.case_depth:
                message = "\n".join(part.strip() for part in self.capture if part.strip())
                test = _test_name(self.case) if self.case is not None else ""
                self.result.failures.append(Failure(test, name, clip(message)))
                self.capture = None
                return
        if name == "testcase" and depth + 1 == self.case_depth and self.case is not None:
            self._tally()

    def _tally(self) -> None:
        result, outcome = self.result, self.outcome
        if outcome == "passed":
            result.passed += 1
        elif outcome in ("failed", "error"):
            result.failed += 1
            result.errors += outcome == "error"
        elif outcome == "skipped":
            result.skipped += 1
        else:
            result.passed += 1
            result.flaky += outcome == "flaky"
        self.case = None

    def counts_in_bulk(self) -> bool:
        """Whether self-closing test cases here may be counted without the handlers: inside
        the root, below MAX_DEPTH, no case open, and their times not needed (`duration`)."""
        return (
            0 < len(self.stack) < MAX_DEPTH
            and self.case is None
            and (self.root_time is not None or bool(self.suite_times))
        )

    def passed_in_bulk(self, count: int) -> None:
        """What the handlers do for `count` self-closing test cases here."""
        self.result.passed += count
        self.case_depth = len(self.stack) + 1
        self.outcome = "passed"

    def duration(self) -> float:
        if self.root_time is not None:
            return self.root_time
        return sum(self.suite_times) if self.suite_times else self.case_times


def _refuse_doctype(
    name: str, system_id: str | None, public_id: str | None, has_subset: int
) -> None:
    # A bare `<!DOCTYPE testsuites>` can neither load nor define anything; all else is refused here,
    # before expat reads the internal subset, so not one entity is declared.
    if system_id or public_id:
        raise Refused(
            f"refused: it names an external DTD ({clip(system_id or public_id or '', 80)}); "
            "matrixgen never loads DTDs"
        )
    if has_subset:
        raise Refused(
            "refused: it declares a DTD with an internal subset; matrixgen never expands entities"
        )


def _refuse_entity(name: str, *_: object) -> None:
    raise Refused(f"refused: it declares the entity '{name}'; matrixgen never expands entities")


def _refuse_external(*_: object) -> int:
    raise Refused("refused: it refers to an external entity; matrixgen never fetches one")


def _code(message: str) -> int:
    """pyexpat names its errors by message; `ExpatError.code` is the number."""
    return expat.errors.codes[message]


_EXPAT_REASONS = {
    _code(
        expat.errors.XML_ERROR_INCORRECT_ENCODING
    ): "the encoding in its XML declaration does not match its bytes",
    _code(expat.errors.XML_ERROR_UNKNOWN_ENCODING): "its XML declaration names an unknown encoding",
    _code(
        expat.errors.XML_ERROR_INVALID_TOKEN
    ): "not well-formed (an invalid character or byte; is it UTF-8?)",
    _code(expat.errors.XML_ERROR_UNDEFINED_ENTITY): "it refers to an undefined entity",
    _code(expat.errors.XML_ERROR_TAG_MISMATCH): "not well-formed (mismatched tag)",
    _code(
        expat.errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT
    ): "not well-formed (a second root element, or text after the root)",
}
_TRUNCATED = {
    _code(expat.errors.XML_ERROR_NO_ELEMENTS),
    _code(expat.errors.XML_ERROR_UNCLOSED_TOKEN),
    _code(expat.errors.XML_ERROR_PARTIAL_CHAR),
    _code(expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION),
}


def _sniff(data: bytes) -> str | None:
    """A sentence for files that are plainly not XML text, before expat sees them."""
    if not data:
        return "the file is empty"
    if not data.strip():
        return "the file holds only whitespace"
    head = data[:512]
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return None  # a byte-order mark: expat decodes UTF-8 and UTF-16 itself
    if head[:4] in (b"<\x00?\x00", b"\x00<\x00?", b"<\x00t\x00", b"\x00<\x00t"):
        return "it is UTF-16 without a byte-order mark; write UTF-8, or UTF-16 with a BOM"
    if head.startswith(b"\x1f\x8b"):
        return "it is gzip-compressed, not XML; decompress it first"
    if b"\x00" in head:
        return "it holds binary data, not XML"
    start = head.lstrip()
    if not start.startswith(b"<"):
        shown = start[:20].decode("utf-8", "replace").splitlines()[0]
        return f"it is not XML (it starts with {shown!r})"
    return None


def read_bytes(path: Path, max_bytes: int = MAX_BYTES, *, links: bool = False) -> bytes | str:
    """`files.read_regular` with the JUnit size cap (only regular files; links refused)."""
    return read_regular(path, max_bytes, links=links)


def read_junit(path: Path, *, max_bytes: int = MAX_BYTES) -> JUnitFile:
    """Tally one JUnit file. Never raises for what the file holds; see `JUnitFile.problem`."""
    result = JUnitFile(path)
    data = read_bytes(path, max_bytes)
    if isinstance(data, str):
        result.problem = data
        return result
    result.problem = _sniff(data)
    if result.problem is None:
        _parse(data, result)
    return result


# Passing test cases are most of a report, each one self-closing tag (`<testcase
# classname=".." name=".." time=".."/>`) that says only "passed" (its time counts only
# when no suite gives one). Runs of those tags are counted with bytes.count instead of
# two Python calls per element, which were most of the time of a report (bench/report.py:
# 1,000 files of 100 cases, 0.33 s before, 0.16 s after; junitparser's parse and walk
# takes 0.35 s). Cases are counted only where a pattern of `_run_patterns` matches them:
# tags that are well-formed by the pattern alone (attribute names in a fixed order, so
# none twice; values of characters XML allows, '&' only in a predefined entity, no '<';
# XML's whitespace between), so what expat parses, the rest of the file, is well-formed
# exactly when the whole is; other cases go through the handlers. Checking every byte of
# the file with expat first instead took a third of the reader's time (bench/report.py:
# 42 ms), the patterns 14 ms.
_OPEN_CASE = re.compile(rb"""<testcase(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*>""")
_OTHER_TAG = re.compile(rb"<(?!testcase[\s/>])")
_CASE_END = re.compile(rb"</testcase\s*>")
_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml\s[^>]*\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_ASCII_ENCODINGS = (b"us-ascii", b"ascii")
# Encodings whose bytes are UTF-8's (b"": none named, UTF-8 then).
_PLAIN_ENCODINGS = (b"", b"utf-8", b"utf8", *_ASCII_ENCODINGS)
# A value's characters: printable ASCII but '"', '&' and '<', and XML's five predefined
# entities; in UTF-8 (a file's encoding unless it declares ASCII) also any well-formed
# UTF-8 sequence of a character XML allows (no surrogate, no U+FFFE or U+FFFF).
_PRINTABLE = rb"[\t\n\r\x20\x21\x23-\x25\x27-\x3b\x3d-\x7e]*+"
_ENTITIES = rb"&(?:amp|lt|gt|quot|apos);"
_UTF8 = (
    rb"|[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xef(?:[\x80-\xbe][\x80-\xbf]|\xbf[\x80-\xbd])"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_S = rb"[ \t\r\n]"


def _run_patterns(chars: bytes) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """What vouches for a run of self-closing test cases whose values hold `chars`: pytest's
    own tags exactly, of printable ASCII values (junit_family=xunit2, its default; a third
    of the general pattern's time, tried first), and the general pattern."""
    # Printable runs, each other character or entity between them (not tried at the
    # closing quote: 2x the time of printable characters alone otherwise).
    value = b'="' + _PRINTABLE + b'(?:(?!")(?:' + chars + b")" + _PRINTABLE + b')*+"'
    v = {b"v": value, b"s": _S}
    plain = {b"v": b'="' + _PRINTABLE + b'"'}
    pytest = re.compile(rb"(?:<testcase classname%(v)s name%(v)s time%(v)s ?/>)+" % plain)
    general = re.compile(
        rb"(?:<testcase(?:"
        # pytest's order (file and line with junit_family=xunit1), name first (Maven's), or
        # sorted (pytest's on Pythons before 3.8, whose ElementTree sorted attributes)
        rb"(?:%(s)s+classname%(v)s)?(?:%(s)s+name%(v)s)?(?:%(s)s+file%(v)s)?"
        rb"(?:%(s)s+line%(v)s)?(?:%(s)s+time%(v)s)?"
        rb"|%(s)s+name%(v)s(?:%(s)s+classname%(v)s)?(?:%(s)s+time%(v)s)?"
        rb"|%(s)s+classname%(v)s%(s)s+file%(v)s(?:%(s)s+line%(v)s)?%(s)s+name%(v)s"
        rb"(?:%(s)s+time%(v)s)?"
        rb")%(s)s*/>%(s)s*)+" % v
    )
    return pytest, general


_ASCII_RUNS = _run_patterns(_ENTITIES)
_UTF8_RUNS = _run_patterns(_ENTITIES + _UTF8)


def _declaration(data: bytes) -> tuple[int, bytes]:
    """Where the XML declaration ends (0: none) and the encoding it names, lower-cased (b"":
    none named)."""
    declaration = _DECLARATION.match(data)
    if declaration is None:
        return 0, b""
    named = _ENCODING.search(declaration.group())
    return declaration.end(), named.group(1).lower() if named else b""


def _run_patterns_of(data: bytes) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """`_run_patterns` for the file's encoding: ASCII where it declares so, else UTF-8."""
    return _ASCII_RUNS if _declaration(data)[1] in _ASCII_ENCODINGS else _UTF8_RUNS


def _runs(data: bytes) -> list[tuple[int, int]] | None:
    """Where runs of self-closing test cases start and end; None where counting them in bulk
    might not be exact.

    Every `<testcase` is a tag only when no text or attribute value can hold one: in a
    UTF-8 file without comment, CDATA, DOCTYPE or processing instruction. Each
    `</testcase>` must close the last `<testcase` before it, an open one that no other end
    claims: then no test case holds another (whose cases the handlers would not count), and
    between two other tags every `<testcase` is self-closing but perhaps the last.
    """
    start, encoding = _declaration(data)
    if encoding not in _PLAIN_ENCODINGS:
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16
        return None
    # The tags before the first test case (suites, properties) hold no run: there only
    # the ones that would make `<testcase` other than a tag are looked for.
    after = data.find(b"<testcase", start)
    if after == -1:
        return []
    if data.find(b"<!", start, after) != -1 or data.find(b"<?", start, after) != -1:
        return None
    runs: list[tuple[int, int]] = []
    claimed = -1  # the open test case the last `</testcase>` closed
    find, rfind, open_case = data.find, data.rfind, _OPEN_CASE.match
    for position in [*(tag.start() for tag in _OTHER_TAG.finditer(data, after)), len(data)]:
        first = find(b"<", after, position)  # only test cases lie between other tags
        if first != -1:
            last = rfind(b"<", first, position)
            end = last if open_case(data, last) else position
            if end - first > 20:  # two cases or more: one costs no more in the handlers
                runs.append((first, end))
        kind = data[position + 1 : position + 2]
        if kind == b"/":
            if _CASE_END.match(data, position):
                case = rfind(b"<testcase", start, position)
                if case <= claimed or not open_case(data, case):
                    return None
                claimed = case
        elif kind == b"!" or kind == b"?":
            return None
        after = position + 1
    return runs


def _feed(reader: _Reader, data: bytes, runs: list[tuple[int, int]] | None) -> None:
    """Parse `data` through the reader's handlers; runs of self-closing test cases where the
    reader would only count them (`counts_in_bulk`) are counted, not parsed, as far as
    `_run_patterns` vouch for every byte of them: a case they leave to expat goes through
    the handlers, and the rest of its run is vouched for again. `runs`: `_runs(data)`;
    None parses each element through the handlers. With runs cut, expat's line and column
    of an error are not the file's: `_parse` reads such a file again element by element."""
    parser = _parser(reader)
    position = 0
    pytest, general = _run_patterns_of(data) if runs else _ASCII_RUNS
    full, longest = pytest.fullmatch, general.match
    count, find, rfind = data.count, data.find, data.rfind
    for first, end in runs or ():
        parser.Parse(data[position:first], False)
        position = first
        # Not while text is kept (a property's, a failure's): a run's text between its
        # cases is that text's too. Inside the root (counts_in_bulk): whole, well-formed
        # elements cut from content leave the rest well-formed exactly when the whole
        # file is.
        while position < end and reader.counts_in_bulk() and reader.capture is None:
            if full(data, position, end):
                until = end
            else:  # the longest run of whole cases the general pattern vouches for
                found = longest(data, position, end)
                until = position if found is None else found.end()
                if until < end and data[until] != 60:  # not at a '<': to its last case's
                    # A cut followed by '<' is safe where the whole run is: had the cut
                    # begun inside a tag (an attribute value, as `<x a="<testcase/>"/>`),
                    # expat refuses the '<' that comes next; followed by '"/>', it would
                    # not.
                    until = max(position, rfind(b"<", position, until))
            if until > position:
                reader.passed_in_bulk(count(b"<", position, until))
                position = until
                if position == end:
                    break
            following = find(b"<", position + 1, end)  # the next case, after the one left
            stop = end if following == -1 else following
            parser.Parse(data[position:stop], False)
            position = stop
    parser.Parse(data[position:], True)


def _parser(reader: _Reader) -> expat.XMLParserType:
    """An expat parser that refuses DTDs and entities, with the reader's handlers."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_external
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    if hasattr(parser, "SetReparseDeferralEnabled"):  # expat >= 2.6 (Python >= 3.12.3)
        # `_feed` asks the reader between chunks, so each chunk's tags must reach the
        # handlers while it is parsed, not with a later chunk. No token is split across
        # chunks (they end before a '<'): the quadratic re-parse deferral prevents cannot
        # happen.
        parser.SetReparseDeferralEnabled(False)
    return parser


def _parse(data: bytes, result: JUnitFile) -> None:
    reader = _Reader(result)
    runs = _runs(data)
    try:
        try:
            _feed(reader, data, runs)
        except (Refused, expat.ExpatError):
            if not runs:  # it was parsed element by element already
                raise
            # Said as a parse of each element says it, where it is in the file: expat
            # counted lines and columns without the runs `_feed` cut.
            _reset(result, None)
            reader = _Reader(result)
            _feed(reader, data, None)
    except Refused as error:
        _reset(result, str(error))
        return
    except expat.ExpatError as error:
        where = f"at line {error.lineno}, column {error.offset + 1}"  # expat counts columns from 0
        if error.code in _TRUNCATED:
            reason = f"it ends early {where} (truncated?)"
        else:
            code = error.code or 0
            reason = (
                f"{_EXPAT_REASONS.get(code, expat.errors.messages.get(code, str(error)))} {where}"
            )
        _reset(result, reason)
        return
    except LookupError as error:  # pyexpat asks Python's codecs for encodings it lacks
        name = str(error).rpartition(":")[2].strip()
        _reset(result, f"its XML declaration names an unknown encoding ({clip(name, 80)})")
        return
    except (RecursionError, MemoryError, ValueError) as error:  # defensive: never crash the report
        _reset(result, f"cannot parse it: {type(error).__name__}")
        return
    result.duration = reader.duration()


def _reset(result: JUnitFile, problem: str | None) -> None:
    """Drop whatever was tallied before the problem: half a file is not a result."""
    fresh = JUnitFile(result.path, problem=problem)
    result.__dict__.update(fresh.__dict__)
