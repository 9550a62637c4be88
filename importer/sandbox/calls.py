"""What a route handler receives (`Call`) and returns (`Reply`), and the helpers they share.

Handlers are plain functions `(store, call) -> Reply` that may raise `ApiError`. They do their
own minimal type checks, so that the sandbox stays safe with the contract check switched off.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from importer.sandbox.faults import FeedDraw
from importer.sandbox.state import Record, Store

__all__ = [
    "EMPTY",
    "ApiError",
    "Call",
    "Handler",
    "Reply",
    "as_bool",
    "as_int",
    "as_number",
    "as_str",
    "body_object",
    "slug",
]


class _Empty:
    """The body of a response that has none (distinct from a JSON `null` body)."""

    def __repr__(self) -> str:
        return "EMPTY"


EMPTY: Any = _Empty()


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # VTEX's path, without a leading '/{account}' segment
    params: Mapping[str, str]  # path parameters by the spec's names
    query: Mapping[str, str]
    body: Any  # parsed JSON (non-integers as Decimal); None when there is no body
    has_body: bool
    now: datetime  # UTC
    account: str = "sandbox"  # the account the sandbox answers for (VTEX's URLs carry it)
    clock: float = 0.0  # the sandbox's clock at arrival (seconds): feed visibility, retention
    draw: FeedDraw | None = None  # the feed's duplicates and disorder (Sandbox.feed_*)
    origin: str = ""  # scheme://host[:port] the request was sent to (pre-signed URLs use it)

    def int_param(self, name: str, *, status: int = 404) -> int:
        """A path parameter that is an integer id; anything else is `status` (not found)."""
        raw = self.params[name]
        if not re.fullmatch(r"[0-9]+", raw):
            raise ApiError(status, f"{name} must be a positive integer, got {raw!r}")
        return int(raw)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = EMPTY
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


class ApiError(Exception):
    """Answer the request with `status` and a JSON `{"error": message}`, or with `body` (any
    JSON, e.g. OMS's `{"error": {"code", "message", "exception"}}`), or with `raw` bytes."""

    def __init__(
        self, status: int, message: str, *, raw: bytes | None = None, body: Any = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.raw = raw
        self.body = body


Handler = Callable[[Store, Call], Reply]


def body_object(call: Call) -> Record:
    if not isinstance(call.body, dict):
        raise ApiError(400, "the request body must be a JSON object")
    return call.body


def as_int(value: Any, name: str, *, default: int | None = None) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, f"{name} must be an integer, got {value!r}")
    return value


def as_number(value: Any, name: str) -> int | Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ApiError(400, f"{name} must be a number, got {value!r}")
    return value


def as_bool(value: Any, name: str, *, default: bool = False) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ApiError(400, f"{name} must be true or false, got {value!r}")
    return value


def as_str(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"{name} must be a string, got {value!r}")
    return value


def slug(text: str) -> str:
    """A LinkId like VTEX generates from a name: lower-case letters, digits and '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
