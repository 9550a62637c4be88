"""Be told (issue 13 item 4): an e-mail with the report attached and a webhook POST when a file
has failed, invalid or held rows, and an alert when an expected file did not arrive; tested
against a local SMTP server and a loopback webhook, and never a secret in the log."""

from __future__ import annotations

import email
import json
import socketserver
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from loguru import logger

from importer.sandbox import Sandbox
from importer.state.db import utc_now
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321, no TLS) to take a message, as a local relay would."""

    def handle(self) -> None:
        server: SmtpServer = self.server  # type: ignore[assignment]
        self.wfile.write(b"220 test ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250-test\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go\r\n")
                body = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    body += chunk[1:] if chunk.startswith(b"..") else chunk
                server.messages.append(email.message_from_bytes(body))
                self.wfile.write(b"250 ok\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                self.wfile.write(b"250 ok\r\n")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Smtp)
        self.messages: list[Message] = []


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.server.posts.append(json.loads(self.rfile.read(length)))  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def hook() -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    server.posts = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def notify_env(
    smtp: SmtpServer, hook: HTTPServer, token: str = "hook-secret-123"
) -> dict[str, str]:
    return {
        "IMPORTER__NOTIFY__SMTP_HOST": "127.0.0.1",
        "IMPORTER__NOTIFY__SMTP_PORT": str(smtp.server_address[1]),
        "IMPORTER__NOTIFY__SMTP_SECURITY": "none",
        "IMPORTER__NOTIFY__MAIL_TO": "compras@example.com",
        "IMPORTER__NOTIFY__WEBHOOK_URL": f"http://127.0.0.1:{hook.server_address[1]}/hook-secret-123",
    }


@pytest.mark.slow  # two passes with local servers (~0.5 s)
def test_a_file_with_bad_rows_is_mailed_with_its_report_and_posted(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    smtp: SmtpServer,
    hook: HTTPServer,
) -> None:
    seed_store(sandbox, 2)
    runtime = make_runtime(sandbox, notify_env(smtp, hook))
    drop(workdir, "prices", "good.csv", "sku_ref,base_price\nSKU-00001,10.00\n")
    one_pass(runtime)
    assert smtp.messages == [] and hook.posts == []  # a file that landed: nobody is bothered

    drop(workdir, "prices", "bad.csv", "sku_ref,base_price\nSKU-00001,abc\nSKU-00002,5.00\n")
    report = one_pass(runtime).reports[0]
    [mail] = smtp.messages
    assert mail["Subject"] == "[importer teststore] bad.csv (prices) needs a person"
    assert mail["To"] == "compras@example.com"
    parts = {part.get_filename(): part for part in mail.walk() if part.get_filename()}
    assert list(parts) == [f"{report.stem}.report.xlsx"]
    attached = parts[f"{report.stem}.report.xlsx"].get_payload(decode=True)
    assert attached == (workdir / "outbox" / "reports" / f"{report.stem}.report.xlsx").read_bytes()
    [posted] = hook.posts
    assert posted["event"] == "file-needs-attention" and posted["file"] == "bad.csv"
    assert posted["counts"]["invalid"] == 1 and posted["report"] == report.stem


def test_a_notice_that_cannot_be_sent_is_logged_without_the_webhook_secret(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    smtp: SmtpServer,
    hook: HTTPServer,
) -> None:
    env = notify_env(smtp, hook)
    env["IMPORTER__NOTIFY__SMTP_PORT"] = "1"  # nothing listens there
    env["IMPORTER__NOTIFY__WEBHOOK_URL"] = "http://127.0.0.1:1/hook-secret-123"
    runtime = make_runtime(sandbox, env)
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="WARNING", format="{message}")
    try:
        drop(workdir, "prices", "bad.csv", "sku_ref,base_price\nSKU-00001,abc\n")
        report = one_pass(runtime).reports[0]
    finally:
        logger.remove(sink)
    assert report.summary.invalid == 1  # the file itself is handled as ever
    said = "\n".join(lines)
    assert "a notice could not be sent" in said and "webhook" in said and "e-mail" in said
    assert "hook-secret-123" not in said


def test_a_late_file_is_told_once_per_spell(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    smtp: SmtpServer,
    hook: HTTPServer,
) -> None:
    env = {**notify_env(smtp, hook), "IMPORTER__FLOWS__INVENTORY__EXPECT_EVERY_H": "24"}
    runtime = make_runtime(sandbox, env)
    start = utc_now()
    clock = {"now": start}
    runtime.deps.now = lambda: clock["now"]
    one_pass(runtime)  # first look: no stock file ever; the clock starts now
    clock["now"] = start + timedelta(hours=23)
    one_pass(runtime)
    assert hook.posts == []
    clock["now"] = start + timedelta(hours=25)
    one_pass(runtime)
    one_pass(runtime)  # still late: not told twice
    assert [p["event"] for p in hook.posts] == ["file-overdue"]
    assert hook.posts[0]["flow"] == "inventory" and hook.posts[0]["last_received"] is None
    assert smtp.messages[0]["Subject"] == "[importer teststore] no inventory file arrived"
