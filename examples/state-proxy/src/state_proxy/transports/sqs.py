"""SQS via boto3: queue `NAME`; dead letters in `NAME-dead`, reason in a message attribute."""

from __future__ import annotations

from typing import Any

from state_proxy.transports import REASON, DeadLetter, Delivery


class SqsTransport:
    def __init__(self, client: Any, queue: str) -> None:
        self.client = client
        self.queue = queue
        self._urls: dict[str, str] = {}

    def declare(self) -> None:
        for name in (self.queue, self.queue + "-dead"):
            self._urls[name] = self.client.create_queue(QueueName=name)["QueueUrl"]

    def publish(self, body: bytes) -> None:
        self.client.send_message(QueueUrl=self._url(self.queue), MessageBody=body.decode())

    def receive(self, limit: int) -> list[Delivery]:
        return [
            Delivery(m["Body"].encode(), m["ReceiptHandle"])
            for m in self._receive(self.queue, limit)
        ]

    def ack(self, delivery: Delivery) -> None:
        self.client.delete_message(QueueUrl=self._url(self.queue), ReceiptHandle=delivery.handle)

    def dead_letter(self, delivery: Delivery, reason: str) -> None:
        self.client.send_message(
            QueueUrl=self._url(self.queue + "-dead"),
            MessageBody=delivery.body.decode(errors="replace"),
            MessageAttributes={REASON: {"DataType": "String", "StringValue": reason}},
        )
        self.ack(delivery)

    def dead_letters(self, limit: int) -> list[DeadLetter]:
        dead = self.queue + "-dead"
        letters = []
        for message in self._receive(dead, limit, attributes=[REASON]):
            reason = message.get("MessageAttributes", {}).get(REASON, {}).get("StringValue", "")
            letters.append(DeadLetter(message["Body"].encode(), reason))
            self.client.delete_message(
                QueueUrl=self._url(dead), ReceiptHandle=message["ReceiptHandle"]
            )
        return letters

    def close(self) -> None:
        self.client.close()

    def _receive(self, name: str, limit: int, attributes: list[str] | None = None) -> list[Any]:
        reply = self.client.receive_message(
            QueueUrl=self._url(name),
            MaxNumberOfMessages=min(limit, 10),
            WaitTimeSeconds=0,  # short poll: callers loop, and an empty answer must come back fast
            MessageAttributeNames=attributes or [],
        )
        messages: list[Any] = reply.get("Messages", [])
        return messages

    def _url(self, name: str) -> str:
        if name not in self._urls:
            self._urls[name] = self.client.get_queue_url(QueueName=name)["QueueUrl"]
        return self._urls[name]
