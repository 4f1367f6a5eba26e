"""Envelopes: the JSON messages the pipeline persists.

    {"key": "orders/42", "value": {...}}                      write the value
    {"key": "orders/42", "value": {...}, "if_version": "7"}   compare-and-swap (null: if absent)

Anything else is poison: it can never succeed, so it goes to the dead-letter place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

_UNSET = object()


class PoisonError(ValueError):
    """The message is not a valid envelope."""


@dataclass(frozen=True)
class Envelope:
    key: str
    value: bytes
    conditional: bool = False
    if_version: str | None = None

    def to_json(self) -> bytes:
        body: dict[str, object] = {"key": self.key, "value": json.loads(self.value)}
        if self.conditional:
            body["if_version"] = self.if_version
        return json.dumps(body).encode()


def parse(body: bytes) -> Envelope:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PoisonError(f"not JSON: {error}") from error
    if not isinstance(data, dict):
        raise PoisonError("not a JSON object")
    key, value = data.get("key"), data.get("value", _UNSET)
    if not isinstance(key, str) or not key or key.startswith("/"):
        raise PoisonError("'key' must be a non-empty relative string")
    if value is _UNSET:
        raise PoisonError("'value' is missing")
    encoded = json.dumps(value, sort_keys=True).encode()
    if "if_version" not in data:
        return Envelope(key, encoded)
    version = data["if_version"]
    if version is not None and not isinstance(version, str):
        raise PoisonError("'if_version' must be a string or null")
    return Envelope(key, encoded, conditional=True, if_version=version)
