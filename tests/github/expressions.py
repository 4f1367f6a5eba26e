"""GitHub Actions expressions (`${{ }}`), as far as generated workflows use them.

Written from GitHub's documentation, "Evaluate expressions in workflows and actions":
literals (strings in single quotes, numbers, true, false, null), property access with
`.`, `[...]` and the `*` filter (`needs.*.result`), the operators `!`, `==`, `!=`, `<`,
`<=`, `>`, `>=`, `&&` and `||` (which return an operand, not a boolean), loose equality
(strings compared ignoring case, other types compared as numbers), and the functions
`contains`, `startsWith`, `endsWith`, `fromJSON`, `toJSON`, `format` and the status
functions, whose answers the caller gives.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\],.*])|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)


class ExpressionError(ValueError):
    pass


def tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"cannot read {text[position:]!r} in {text!r}")
        kind = match.lastgroup
        assert kind is not None
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


class _Parser:
    def __init__(
        self, text: str, contexts: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]
    ) -> None:
        self.items = tokens(text)
        self.at = 0
        self.contexts = contexts
        self.functions = functions
        self.text = text

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        item = self.peek()
        if item is None or (value is not None and item[1] != value):
            raise ExpressionError(f"expected {value or 'more'} in {self.text!r}")
        self.at += 1
        return item

    def parse(self) -> Any:
        value = self.or_()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()} in {self.text!r}")
        return value

    def or_(self) -> Any:
        value = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            value = value if truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.compare()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.compare()
            value = right if truthy(value) else value
        return value

    def compare(self) -> Any:
        value = self.unary()
        item = self.peek()
        if item and item[0] == "op" and item[1] in ("==", "!=", "<", "<=", ">", ">="):
            self.take()
            right = self.unary()
            if item[1] == "==":
                return loosely_equal(value, right)
            if item[1] == "!=":
                return not loosely_equal(value, right)
            left_number, right_number = number(value), number(right)
            return {
                "<": left_number < right_number,
                "<=": left_number <= right_number,
                ">": left_number > right_number,
                ">=": left_number >= right_number,
            }[item[1]]
        return value

    def unary(self) -> Any:
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        return self.postfix(self.primary())

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text)
        if (kind, text) == ("op", "("):
            value = self.or_()
            self.take(")")
            return value
        if kind == "name":
            if text in ("true", "false"):
                return text == "true"
            if text == "null":
                return None
            if self.peek() == ("op", "("):
                self.take()
                arguments = []
                while self.peek() != ("op", ")"):
                    arguments.append(self.or_())
                    if self.peek() == ("op", ","):
                        self.take()
                self.take(")")
                function = self.functions.get(text.lower())
                if function is None:
                    raise ExpressionError(f"unknown function {text} in {self.text!r}")
                return function(*arguments)
            if text not in self.contexts:
                raise ExpressionError(f"unknown context {text} in {self.text!r}")
            return self.contexts[text]
        raise ExpressionError(f"unexpected {text!r} in {self.text!r}")

    def postfix(self, value: Any) -> Any:
        while self.peek() in (("op", "."), ("op", "[")):
            _, op = self.take()
            if op == ".":
                kind, name = self.take()
                if (kind, name) == ("op", "*"):
                    value = list(value.values()) if isinstance(value, dict) else list(value or [])
                    value = _Filtered(value)
                    continue
                value = _property(value, name)
            else:
                key = self.or_()
                self.take("]")
                value = _property(value, key)
        return value


class _Filtered(list[Any]):
    """The result of `.*`: further properties apply to every element."""


def _property(value: Any, name: Any) -> Any:
    if isinstance(value, _Filtered):
        return _Filtered(_property(item, name) for item in value)
    if isinstance(value, dict):
        for key, item in value.items():  # property names ignore case
            if str(key).lower() == str(name).lower():
                return item
        return None
    if isinstance(value, list) and isinstance(name, float) and name.is_integer():
        index = int(name)
        return value[index] if 0 <= index < len(value) else None
    return None


def truthy(value: Any) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, float) and (value == 0 or math.isnan(value)):
        return False
    return not (isinstance(value, str) and value == "")


def number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        try:
            return float(text)
        except ValueError:
            return math.nan
    return math.nan


def loosely_equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    if type(left) is type(right) and not isinstance(left, (int, float, bool)):
        return bool(left == right)
    return number(left) == number(right)


def to_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2)
    return str(value)


def evaluate(
    text: str,
    contexts: Mapping[str, Any],
    status: Mapping[str, bool],
) -> Any:
    """The value of an expression (without `${{ }}`); `status` answers success(), failure(),
    cancelled() and always()."""
    functions: dict[str, Callable[..., Any]] = {
        "success": lambda: status["success"],
        "failure": lambda: status["failure"],
        "cancelled": lambda: status["cancelled"],
        "always": lambda: True,
        "contains": _contains,
        "startswith": lambda a, b: to_string(a).lower().startswith(to_string(b).lower()),
        "endswith": lambda a, b: to_string(a).lower().endswith(to_string(b).lower()),
        "fromjson": lambda text: json.loads(to_string(text)),
        "tojson": lambda value: json.dumps(value, indent=2),
        "format": lambda pattern, *args: re.sub(
            r"\{(\d+)\}", lambda m: to_string(args[int(m[1])]), pattern
        ),
    }
    return _Parser(text, contexts, functions).parse()


def _contains(search: Any, item: Any) -> bool:
    if isinstance(search, list):
        return any(loosely_equal(element, item) for element in search)
    return to_string(item).lower() in to_string(search).lower()


STATUS_FUNCTIONS = re.compile(r"\b(success|failure|cancelled|always)\s*\(", re.IGNORECASE)
_EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


def interpolate(text: str, contexts: Mapping[str, Any], status: Mapping[str, bool]) -> str:
    """A string with every `${{ }}` replaced by its value as text, as the runner does."""
    return _EMBEDDED.sub(lambda m: to_string(evaluate(m[1], contexts, status)), text)


def value_of(text: Any, contexts: Mapping[str, Any], status: Mapping[str, bool]) -> Any:
    """A workflow value: a string that is one whole `${{ }}` keeps its type (a matrix from
    fromJSON, a boolean); other strings are interpolated; anything else is as it is."""
    if not isinstance(text, str):
        return text
    whole = _EMBEDDED.fullmatch(text.strip())
    if whole and "}}" not in whole[1]:  # not `${{ a }}/x/${{ b }}`, two of them
        return evaluate(whole[1], contexts, status)
    return interpolate(text, contexts, status)


def condition(text: Any, contexts: Mapping[str, Any], status: Mapping[str, bool]) -> bool:
    """An `if:`: `${{ }}` optional; without a status function it means `success() && (...)`."""
    if text is None:
        return status["success"]
    if isinstance(text, bool):
        return text and status["success"]
    expression = str(text).strip()
    whole = _EMBEDDED.fullmatch(expression)
    if whole:
        expression = whole[1].strip()
    if not STATUS_FUNCTIONS.search(expression):
        expression = f"success() && ({expression})"
    return truthy(evaluate(expression, contexts, status))
