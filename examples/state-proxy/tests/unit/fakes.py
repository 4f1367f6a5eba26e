"""In-process stand-ins for the unit level.

`FakeBucket` mimics the slice of google-cloud-storage's Bucket/Blob that GcsStore uses,
including generation preconditions (412 PreconditionFailed) as GCS enforces them.
`MemoryTransport` is a queue with acks and a dead-letter list.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from google.api_core.exceptions import NotFound, PreconditionFailed

from state_proxy.transports import DeadLetter, Delivery


@dataclass
class _Object:
    data: bytes
    generation: int


class FakeBlob:
    def __init__(self, bucket: FakeBucket, name: str, generation: int | None = None) -> None:
        self.bucket, self.name, self.generation = bucket, name, generation

    def download_as_bytes(self, if_generation_match: int | None = None) -> bytes:
        stored = self.bucket.objects.get(self.name)
        if stored is None:
            raise NotFound(self.name)
        if if_generation_match is not None and stored.generation != if_generation_match:
            raise PreconditionFailed(self.name)
        return stored.data

    def upload_from_string(self, data: bytes, if_generation_match: int | None = None) -> None:
        stored = self.bucket.objects.get(self.name)
        have = 0 if stored is None else stored.generation  # GCS: 0 means "does not exist"
        if if_generation_match is not None and have != if_generation_match:
            raise PreconditionFailed(self.name)
        self.generation = next(self.bucket.generations)
        self.bucket.objects[self.name] = _Object(data, self.generation)

    def delete(self) -> None:
        if self.bucket.objects.pop(self.name, None) is None:
            raise NotFound(self.name)


class FakeClient:
    def list_blobs(self, bucket: FakeBucket, prefix: str = "") -> Iterator[FakeBlob]:
        for name in sorted(bucket.objects):
            if name.startswith(prefix):
                yield FakeBlob(bucket, name, bucket.objects[name].generation)


class FakeBucket:
    def __init__(self) -> None:
        self.objects: dict[str, _Object] = {}
        self.generations = itertools.count(1_700_000_000_000_000)
        self.client = FakeClient()

    def blob(self, name: str) -> FakeBlob:
        return FakeBlob(self, name)

    def get_blob(self, name: str) -> FakeBlob | None:
        stored = self.objects.get(name)
        return None if stored is None else FakeBlob(self, name, stored.generation)


@dataclass
class MemoryTransport:
    queue: list[bytes] = field(default_factory=list)
    in_flight: dict[int, bytes] = field(default_factory=dict)
    acked: list[bytes] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    _tags: Iterator[int] = field(default_factory=itertools.count)

    def declare(self) -> None:
        pass

    def publish(self, body: bytes) -> None:
        self.queue.append(body)

    def receive(self, limit: int) -> list[Delivery]:
        taken, self.queue = self.queue[:limit], self.queue[limit:]
        deliveries = [Delivery(body, next(self._tags)) for body in taken]
        self.in_flight.update({d.handle: d.body for d in deliveries})
        return deliveries

    def ack(self, delivery: Delivery) -> None:
        self.acked.append(self.in_flight.pop(delivery.handle))

    def dead_letter(self, delivery: Delivery, reason: str) -> None:
        self.dead.append(DeadLetter(self.in_flight.pop(delivery.handle), reason))

    def dead_letters(self, limit: int) -> list[DeadLetter]:
        taken, self.dead = self.dead[:limit], self.dead[limit:]
        return taken

    def close(self) -> None:
        pass
