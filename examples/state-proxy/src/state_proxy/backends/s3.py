"""S3 via boto3. Versions are ETags; conditional puts use If-Match / If-None-Match.

S3 has enforced conditional writes since 2024 (and moto since 5.0.20); a lost
race is HTTP 412 PreconditionFailed, or 409 ConditionalRequestConflict while a
concurrent conditional write is in flight.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from state_proxy.store import ConflictError, Versioned

_LOST_RACE = {"PreconditionFailed", "ConditionalRequestConflict"}


class S3Store:
    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def get(self, key: str) -> Versioned | None:
        try:
            reply = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
        except ClientError as error:
            if _code(error) in {"NoSuchKey", "404"}:
                return None
            raise
        return Versioned(reply["Body"].read(), reply["ETag"])

    def put(self, key: str, value: bytes) -> str:
        reply = self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=value)
        return str(reply["ETag"])

    def put_if(self, key: str, value: bytes, expected: str | None) -> str:
        condition = {"IfNoneMatch": "*"} if expected is None else {"IfMatch": expected}
        try:
            reply = self.client.put_object(
                Bucket=self.bucket, Key=self.prefix + key, Body=value, **condition
            )
        except ClientError as error:
            # If-Match on a key that is gone answers 404, which is a lost race too.
            if _code(error) in _LOST_RACE or (expected is not None and _code(error) == "NoSuchKey"):
                raise ConflictError(key, expected) from error
            raise
        return str(reply["ETag"])

    def remove(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)

    def keys(self, prefix: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"][len(self.prefix) :]


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
