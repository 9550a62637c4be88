"""JSON in and out without binary floats: money stays exactly what the client sent.

VTEX's Pricing API takes decimal currency units (`50.5`); a float round trip would turn
`19.9` into `19.899999999999999`. Bodies are parsed with `parse_float=Decimal` and written
back with the Decimal's own digits, so `19.90` comes back as `19.90`.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

__all__ = ["dumps", "loads"]

_encode_string = json.encoder.encode_basestring_ascii


def loads(data: bytes | str) -> Any:
    """Parse JSON, with every non-integer number as a Decimal."""
    return json.loads(data, parse_float=Decimal)


def dumps(value: Any) -> str:
    """Serialise JSON, writing Decimals as exact JSON numbers (json.dumps cannot)."""
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_encode_string(value))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be written as JSON")
        out.append(str(value))  # digits and exponent as given: valid JSON number syntax
    elif isinstance(value, float):
        out.append(json.dumps(value, allow_nan=False))
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(_encode_string(str(key)))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
