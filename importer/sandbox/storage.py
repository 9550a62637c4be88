"""The cloud storage (S3) behind batch jobs: pre-signed URLs to upload a job's CSV and to
download its error file (API-NOTES §4.2, §5.2).

In-process the URLs are on their own host, `https://sandbox-uploads.s3.amazonaws.com/...`,
as VTEX's are on S3; when the sandbox is served on a loopback port they are on that same
server, under `/sandbox-storage/...`, so that a real importer process can reach them.

A URL is good for one method, until it expires on the sandbox clock, with its signature
(`X-Amz-Signature`). Like S3, storage takes no VTEX credentials; unlike S3 it refuses a request
that carries them (400, logged as a violation): they must never leave for a third-party host.
An upload must be `Content-Type: text/csv` (the header the start response lists).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx

from importer.sandbox.calls import EMPTY, Reply
from importer.sandbox.state import Store

__all__ = [
    "HOST", "OPERATION", "SIGNATURE", "answer", "content_of", "owns", "presign", "uploaded_at",
]  # fmt: skip

HOST = "sandbox-uploads.s3.amazonaws.com"
LOOPBACK_PREFIX = "/sandbox-storage"
SIGNATURE = "X-Amz-Signature"
OPERATION = "(pre-signed storage URL)"
_CREDENTIALS = ("x-vtex-api-appkey", "x-vtex-api-apptoken", "vtexidclientautcookie")
LEAKED = "VTEX credentials were sent to the pre-signed storage URL (a third-party host)"


def owns(url: httpx.URL) -> bool:
    return url.host == HOST or url.path.startswith(LOOPBACK_PREFIX + "/")


def _is_loopback(origin: str) -> bool:
    host = urlsplit(origin).hostname or ""
    return host in ("127.0.0.1", "::1", "localhost")


def presign(
    store: Store,
    *,
    origin: str,
    path: str,
    method: str,
    ttl_s: float,
    clock: float,
    now: datetime,
    content: bytes | None = None,
) -> tuple[str, str]:
    """A URL for `method` on the object at `path` ("/imports/<id>.csv"), valid `ttl_s` seconds;
    returns (url, expiresAt). `content` is what a GET of it answers."""
    signature = secrets.token_hex(16)
    store.stored_objects[path] = {
        "method": method,
        "signature": signature,
        "expires": clock + ttl_s,
        "content": content,
    }
    base = f"{origin}{LOOPBACK_PREFIX}" if _is_loopback(origin) else f"https://{HOST}"
    expires_at = (now + timedelta(seconds=ttl_s)).astimezone(UTC)
    query = (
        f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires={int(ttl_s)}"
        f"&X-Amz-Date={now.strftime('%Y%m%dT%H%M%SZ')}&{SIGNATURE}={signature}"
    )
    return f"{base}{path}?{query}", expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def content_of(store: Store, path: str) -> bytes | None:
    """What was uploaded to `path`, or None."""
    stored = store.stored_objects.get(path)
    return None if stored is None else stored.get("content")


def uploaded_at(store: Store, path: str) -> float | None:
    """When (sandbox clock) the last upload to `path` arrived, or None."""
    stored = store.stored_objects.get(path)
    return None if stored is None else stored.get("uploaded_at")


def answer(
    store: Store,
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    content: bytes,
    clock: float,
) -> tuple[Reply, tuple[str, ...]]:
    if any(name in headers for name in _CREDENTIALS):
        return _text(400, LEAKED), (LEAKED,)
    key = path.removeprefix(LOOPBACK_PREFIX)
    stored = store.stored_objects.get(key)
    if stored is None:
        return _text(404, "NoSuchKey"), ()
    given = query.get(SIGNATURE, "")
    if method != stored["method"] or not hmac.compare_digest(given, stored["signature"]):
        return _text(403, "SignatureDoesNotMatch"), ()
    if clock > stored["expires"]:
        return _text(403, "AccessDenied: Request has expired"), ()
    if method == "PUT":
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "text/csv":
            return _text(403, "SignatureDoesNotMatch: Content-Type must be text/csv"), ()
        stored["content"] = content
        stored["uploaded_at"] = clock
        return Reply(200, EMPTY), ()
    body = stored.get("content") or b""
    return Reply(200, body, content_type="text/csv"), ()


def _text(status: int, message: str) -> Reply:
    return Reply(status, message.encode(), content_type="text/plain")
