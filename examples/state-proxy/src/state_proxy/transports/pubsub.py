"""Google Pub/Sub: topic and subscription `NAME`; dead letters on topic/subscription `NAME-dead`.

The dead-letter reason is a message attribute. Pub/Sub's own dead-letter policy
needs at least five delivery attempts; poison should not wait for that.
"""

from __future__ import annotations

import contextlib

from google.api_core.exceptions import AlreadyExists, DeadlineExceeded
from google.cloud import pubsub_v1

from state_proxy.transports import REASON, DeadLetter, Delivery

_PULL_TIMEOUT = 2.0  # seconds a pull may wait when the subscription is empty
# Bounds every other call: the client default retries an unreachable server for 10 minutes.
_CALL_TIMEOUT = 15.0


class PubSubTransport:
    def __init__(self, name: str, *, project: str, host: str | None) -> None:
        if host is None:
            self.publisher = pubsub_v1.PublisherClient()
            self.subscriber = pubsub_v1.SubscriberClient()
        else:
            # The emulator speaks plaintext gRPC; hand the clients an insecure channel
            # instead of relying on them reading PUBSUB_EMULATOR_HOST from os.environ.
            import grpc
            from google.pubsub_v1.services.publisher.transports import PublisherGrpcTransport
            from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcTransport

            channel = grpc.insecure_channel(host)
            self.publisher = pubsub_v1.PublisherClient(
                transport=PublisherGrpcTransport(channel=channel)
            )
            self.subscriber = pubsub_v1.SubscriberClient(
                transport=SubscriberGrpcTransport(channel=channel)
            )
        self.topic = self.publisher.topic_path(project, name)
        self.subscription = self.subscriber.subscription_path(project, name)
        self.dead_topic = self.publisher.topic_path(project, name + "-dead")
        self.dead_subscription = self.subscriber.subscription_path(project, name + "-dead")

    def declare(self) -> None:
        for topic, subscription in (
            (self.topic, self.subscription),
            (self.dead_topic, self.dead_subscription),
        ):
            with contextlib.suppress(AlreadyExists):
                self.publisher.create_topic(name=topic, timeout=_CALL_TIMEOUT)
            with contextlib.suppress(AlreadyExists):
                self.subscriber.create_subscription(
                    name=subscription, topic=topic, timeout=_CALL_TIMEOUT
                )

    def publish(self, body: bytes) -> None:
        self.publisher.publish(self.topic, body).result(timeout=_CALL_TIMEOUT)

    def receive(self, limit: int) -> list[Delivery]:
        return [Delivery(m.message.data, m.ack_id) for m in self._pull(self.subscription, limit)]

    def ack(self, delivery: Delivery) -> None:
        self.subscriber.acknowledge(
            subscription=self.subscription, ack_ids=[delivery.handle], timeout=_CALL_TIMEOUT
        )

    def dead_letter(self, delivery: Delivery, reason: str) -> None:
        self.publisher.publish(self.dead_topic, delivery.body, **{REASON: reason}).result(
            timeout=_CALL_TIMEOUT
        )
        self.ack(delivery)

    def dead_letters(self, limit: int) -> list[DeadLetter]:
        received = self._pull(self.dead_subscription, limit)
        if received:
            self.subscriber.acknowledge(
                subscription=self.dead_subscription,
                ack_ids=[m.ack_id for m in received],
                timeout=_CALL_TIMEOUT,
            )
        return [DeadLetter(m.message.data, m.message.attributes.get(REASON, "")) for m in received]

    def close(self) -> None:
        self.publisher.stop()
        self.subscriber.close()

    def _pull(self, subscription: str, limit: int) -> list[pubsub_v1.types.ReceivedMessage]:
        try:
            reply = self.subscriber.pull(
                subscription=subscription, max_messages=limit, timeout=_PULL_TIMEOUT
            )
        except DeadlineExceeded:
            return []
        return list(reply.received_messages)
