"""A message: the only way one agent can affect another."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Message:
    """One message on the wire.

    ``conversation`` groups a request with its replies; ``in_reply_to`` is the id of
    the message this one answers. ``topic`` is set when the message was published to a
    topic rather than sent to one agent. A duplicated copy keeps the id of the original
    (as a real retransmission would) and has ``duplicate=True``.
    """

    id: int
    sender: str
    to: str
    kind: str
    body: Any = None
    conversation: int = 0
    in_reply_to: int | None = None
    topic: str | None = None
    is_request: bool = False
    sent_at: float = 0.0
    delivered_at: float | None = None
    duplicate: bool = False

    def __str__(self) -> str:
        reply = f" re #{self.in_reply_to}" if self.in_reply_to is not None else ""
        return f"#{self.id} {self.sender}->{self.to} {self.kind}{reply} {self.body!r}"
