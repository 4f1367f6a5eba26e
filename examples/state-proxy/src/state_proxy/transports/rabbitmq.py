"""RabbitMQ via pika: queue `NAME`; dead letters in `NAME.dead`, reason in a header."""

from __future__ import annotations

import pika
from pika.adapters.blocking_connection import BlockingChannel

from state_proxy.transports import REASON, DeadLetter, Delivery


class RabbitTransport:
    def __init__(self, url: str, queue: str) -> None:
        self.queue = queue
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel: BlockingChannel = self.connection.channel()
        self.channel.confirm_delivery()  # publish returns once the broker has the message

    def declare(self) -> None:
        for name in (self.queue, self.queue + ".dead"):
            self.channel.queue_declare(queue=name, durable=True)

    def publish(self, body: bytes) -> None:
        self._publish(self.queue, body, pika.BasicProperties(delivery_mode=2))

    def receive(self, limit: int) -> list[Delivery]:
        deliveries = []
        for _ in range(limit):
            method, _props, body = self.channel.basic_get(self.queue)
            if method is None:
                break
            deliveries.append(Delivery(body, method.delivery_tag))
        return deliveries

    def ack(self, delivery: Delivery) -> None:
        self.channel.basic_ack(delivery.handle)

    def dead_letter(self, delivery: Delivery, reason: str) -> None:
        properties = pika.BasicProperties(delivery_mode=2, headers={REASON: reason})
        self._publish(self.queue + ".dead", delivery.body, properties)
        self.ack(delivery)

    def dead_letters(self, limit: int) -> list[DeadLetter]:
        letters = []
        for _ in range(limit):
            method, props, body = self.channel.basic_get(self.queue + ".dead", auto_ack=True)
            if method is None:
                break
            letters.append(DeadLetter(body, str((props.headers or {}).get(REASON, ""))))
        return letters

    def close(self) -> None:
        if self.connection.is_open:
            self.connection.close()

    def _publish(self, queue: str, body: bytes, properties: pika.BasicProperties) -> None:
        self.channel.basic_publish(exchange="", routing_key=queue, body=body, properties=properties)
