"""Google Cloud Storage via google-cloud-storage. Versions are object generations.

A conditional upload passes `if_generation_match` (0 means "must not exist"); the
server answers 412, which the client raises as PreconditionFailed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from google.api_core.exceptions import NotFound, PreconditionFailed

from state_proxy.store import ConflictError, Versioned


class GcsStore:
    def __init__(self, bucket: Any, prefix: str = "") -> None:
        self.bucket = bucket  # a google.cloud.storage.Bucket
        self.prefix = prefix

    def get(self, key: str) -> Versioned | None:
        blob = self.bucket.get_blob(self.prefix + key)
        if blob is None:
            return None
        try:
            # Pin the generation we saw, so value and version always belong together.
            value = blob.download_as_bytes(if_generation_match=blob.generation)
        except (NotFound, PreconditionFailed):
            return self.get(key)  # replaced or deleted between the two calls: look again
        return Versioned(value, str(blob.generation))

    def put(self, key: str, value: bytes) -> str:
        blob = self.bucket.blob(self.prefix + key)
        blob.upload_from_string(value)
        return str(blob.generation)

    def put_if(self, key: str, value: bytes, expected: str | None) -> str:
        blob = self.bucket.blob(self.prefix + key)
        try:
            blob.upload_from_string(
                value, if_generation_match=0 if expected is None else int(expected)
            )
        except PreconditionFailed as error:
            raise ConflictError(key, expected) from error
        return str(blob.generation)

    def remove(self, key: str) -> None:
        with contextlib.suppress(NotFound):
            self.bucket.blob(self.prefix + key).delete()

    def keys(self, prefix: str) -> Iterator[str]:
        for blob in self.bucket.client.list_blobs(self.bucket, prefix=self.prefix + prefix):
            yield blob.name[len(self.prefix) :]
