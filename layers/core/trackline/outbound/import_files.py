"""The import bucket and queue: the only code that talks to S3 and to the import queue.

Keys in the bucket (each prefix expires by the bucket's lifecycle rules):
    uploads/<import id>.csv   files posted to POST /imports
    incoming/<anything>       files dropped by the merchant; each is imported (EventBridge -> queue)
    exports/<export id>.csv   exports too large to answer inline, fetched through a presigned URL
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from botocore.config import Config

UPLOADS = "uploads/"
INCOMING = "incoming/"
EXPORTS = "exports/"
PART_BYTES = 8 * 1024 * 1024  # S3 multipart parts (at least 5 MiB each but the last)


class FileMissing(Exception):
    """The object is not (or no longer) in the bucket."""


class FileTooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.size = size


@cache
def _s3() -> Any:
    import boto3

    # Signature version 4 for the presigned export links (the only one every region accepts).
    return boto3.client("s3", config=Config(signature_version="s3v4", retries={"mode": "standard", "max_attempts": 3}))


@cache
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs", config=Config(retries={"mode": "standard", "max_attempts": 3}))


class ImportFiles:
    def __init__(self, bucket: str, client: Any = None) -> None:
        self._bucket = bucket
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or _s3()

    def store_upload(self, import_id: str, content: bytes) -> str:
        key = f"{UPLOADS}{import_id}.csv"
        self.client.put_object(Bucket=self._bucket, Key=key, Body=content, ContentType="text/csv")
        return key

    def read(self, key: str, max_bytes: int) -> bytes:
        """The file, unless it is larger than max_bytes (then FileTooLarge, nothing downloaded)."""
        size = self._size(key)
        if size is None:
            raise FileMissing(key)
        if size > max_bytes:
            raise FileTooLarge(size)
        return self.client.get_object(Bucket=self._bucket, Key=key)["Body"].read()

    def exists(self, key: str) -> bool:
        return self._size(key) is not None

    def _size(self, key: str) -> int | None:
        try:
            return self.client.head_object(Bucket=self._bucket, Key=key)["ContentLength"]
        except self.client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def export_upload(self, key: str) -> ExportUpload:
        return ExportUpload(self.client, self._bucket, key)

    def download_url(self, key: str, expires_in: int) -> str:
        return self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self._bucket, "Key": key, "ResponseContentType": "text/csv; charset=utf-8"},
            ExpiresIn=expires_in,
        )


class ExportUpload:
    """An export written to the bucket as it is produced: one PutObject when it is small, a
    multipart upload of 8 MiB parts otherwise, so memory holds one part at most."""

    def __init__(self, client: Any, bucket: str, key: str) -> None:
        self._client, self._bucket, self.key = client, bucket, key
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) >= PART_BYTES:
            self._send_part()

    def close(self) -> None:
        if self._upload_id is None:
            self._client.put_object(Bucket=self._bucket, Key=self.key, Body=bytes(self._buffer), ContentType="text/csv; charset=utf-8")
            return
        if self._buffer:
            self._send_part()
        self._client.complete_multipart_upload(
            Bucket=self._bucket, Key=self.key, UploadId=self._upload_id, MultipartUpload={"Parts": self._parts}
        )

    def abort(self) -> None:
        if self._upload_id is not None:
            self._client.abort_multipart_upload(Bucket=self._bucket, Key=self.key, UploadId=self._upload_id)

    def _send_part(self) -> None:
        if self._upload_id is None:
            self._upload_id = self._client.create_multipart_upload(
                Bucket=self._bucket, Key=self.key, ContentType="text/csv; charset=utf-8"
            )["UploadId"]
        number = len(self._parts) + 1
        response = self._client.upload_part(
            Bucket=self._bucket, Key=self.key, UploadId=self._upload_id, PartNumber=number, Body=bytes(self._buffer)
        )
        self._parts.append({"PartNumber": number, "ETag": response["ETag"]})
        self._buffer.clear()


class ImportQueue:
    """Where import work waits for the import worker."""

    def __init__(self, queue_url: str, client: Any = None) -> None:
        self._queue_url = queue_url
        self._client = client

    def send(self, import_id: str, key: str) -> None:
        client = self._client or _sqs()
        client.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps({"import_id": import_id, "key": key}))
