"""Message transports the pipeline consumes from: SQS, RabbitMQ, Pub/Sub.

Every transport dead-letters explicitly (publish to a dead-letter queue or topic,
then acknowledge the original) rather than through broker redrive policies, so the
reason travels with the message and poison is parked after one delivery, not after
a redrive count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

TRANSPORTS = ("sqs", "rabbitmq", "pubsub")
REASON = "state-proxy-reason"  # the message attribute / header holding the dead-letter reason


@dataclass(frozen=True)
class Delivery:
    body: bytes
    handle: Any  # the transport's receipt: SQS receipt handle, AMQP delivery tag, Pub/Sub ack id


@dataclass(frozen=True)
class DeadLetter:
    body: bytes
    reason: str


class Transport(Protocol):
    def declare(self) -> None:
        """Create the queue (topic, subscription) and its dead-letter place."""
        ...

    def publish(self, body: bytes) -> None: ...

    def receive(self, limit: int) -> list[Delivery]:
        """Up to `limit` messages; returns soon (empty) when there are none."""
        ...

    def ack(self, delivery: Delivery) -> None: ...

    def dead_letter(self, delivery: Delivery, reason: str) -> None: ...

    def dead_letters(self, limit: int) -> list[DeadLetter]:
        """Take up to `limit` messages off the dead-letter place (for operators and tests)."""
        ...

    def close(self) -> None: ...


def open_transport(name: str, queue: str, env: Mapping[str, str]) -> Transport:
    transport: Transport
    if name == "sqs":
        from state_proxy.config import aws_client
        from state_proxy.transports.sqs import SqsTransport

        transport = SqsTransport(aws_client("sqs", env), queue)
    elif name == "rabbitmq":
        from state_proxy.transports.rabbitmq import RabbitTransport

        transport = RabbitTransport(
            env.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"), queue
        )
    elif name == "pubsub":
        from state_proxy.transports.pubsub import PubSubTransport

        project = env.get("PUBSUB_PROJECT_ID", "state-proxy")
        transport = PubSubTransport(queue, project=project, host=env.get("PUBSUB_EMULATOR_HOST"))
    else:
        raise ValueError(f"unknown transport {name!r}; expected one of {', '.join(TRANSPORTS)}")
    return transport
