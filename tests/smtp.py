"""A real SMTP server (aiosmtpd) on a free port that keeps what it receives."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def body(message: Message) -> str:
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                return part.get_payload(decode=True).decode()
        return ""

    def link(self, message: Message) -> str:
        """The path of the first http(s) link in a message's body."""
        match = re.search(r"https?://[^/\s]+(/\S+)", self.body(message))
        assert match, "no link in the e-mail"
        return match.group(1)


class SmtpServer:
    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


# Fixtures (a plugin of the root conftest). A module whose app sends real mail overrides
# `app_config` with `smtp_config`.
@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def smtp_config(smtp: SmtpServer) -> dict[str, object]:
    """App configuration that sends through the test's SMTP server."""
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port}
