"""Sending notices: SMTP (stdlib smtplib) and a JSON POST. A notice that cannot be sent is
logged and dropped, never the pass's trouble; no secret (the password, the webhook's URL)
is ever logged."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

import httpx
from loguru import logger

from importer.config import NotifySettings
from importer.notify.notice import Notice

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def deliver(notice: Notice, settings: NotifySettings) -> list[str]:
    """Send `notice` every way configured; the ways that failed, said without secrets."""
    failed = []
    if settings.mails:
        try:
            send_mail(notice, settings)
        except (OSError, smtplib.SMTPException) as exc:
            failed.append(f"e-mail via {settings.smtp_host}:{settings.smtp_port}: {_said(exc)}")
    if settings.webhook_url is not None:
        try:
            post_webhook(notice, settings)
        except httpx.HTTPError as exc:
            # The URL is the webhook's secret: only the kind of failure is said.
            failed.append(f"webhook: {type(exc).__name__}")
    for failure in failed:
        logger.warning("a notice could not be sent ({}): {}", notice.subject, failure)
    return failed


def send_mail(notice: Notice, settings: NotifySettings) -> None:
    message = EmailMessage()
    message["Subject"] = notice.subject
    message["From"] = settings.mail_from or f"importer@{settings.smtp_host}"
    message["To"] = ", ".join(settings.mail_to)
    message.set_content(notice.text)
    for path in notice.attachments:
        message.add_attachment(
            path.read_bytes(), maintype=XLSX[0], subtype=XLSX[1], filename=path.name
        )
    host, port, timeout = settings.smtp_host or "", settings.smtp_port, settings.timeout_s
    if settings.smtp_security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if settings.smtp_security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if settings.smtp_user and settings.smtp_password is not None:
            client.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        client.send_message(message)


def post_webhook(notice: Notice, settings: NotifySettings) -> None:
    assert settings.webhook_url is not None
    response = httpx.post(
        settings.webhook_url.get_secret_value(), json=notice.data, timeout=settings.timeout_s
    )
    response.raise_for_status()


def _said(exc: BaseException) -> str:
    # smtplib's errors carry the server's answer, never our password.
    return f"{type(exc).__name__}: {exc}"[:300]
