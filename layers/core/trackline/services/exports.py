"""CSV export of the trackings that match the list filters.

Read page by page (one Query page of the ByCreatedAt index at a time), so memory holds one page:
each tracking goes to a spooled temporary file as it is read, while the custom-field names are
collected, because the header names every custom field and must come first. Then the CSV is
written out: inline (text/csv) up to EXPORT_INLINE_BYTES (Lambda answers at most 6 MB), else to
the import bucket in 8 MiB parts and handed over as a presigned link.
"""

from __future__ import annotations

import itertools
import json
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from trackline.clock import iso_seconds, utc_now
from trackline.imports import csv_export
from trackline.models.listing import TrackingFilter
from trackline.outbound.import_files import EXPORTS, ImportFiles
from trackline.repository.trackings import TrackingRepository
from trackline.services import courier_resolution
from trackline.settings import Settings, SettingsError, get_settings

LINK_SECONDS = 900
SPOOL_BYTES = 16 * 1024 * 1024
_BOM = "\ufeff"  # spreadsheets read the file as UTF-8 only with it; the import skips it


@dataclass(frozen=True)
class Export:
    rows: int
    bytes: int
    csv: str | None = None  # inline
    url: str | None = None  # through the bucket
    expires_at: str | None = None


class ExportService:
    def __init__(self, settings: Settings | None = None, trackings: TrackingRepository | None = None, files: ImportFiles | None = None) -> None:
        self._settings = settings or get_settings()
        self._trackings = trackings or TrackingRepository(self._settings.table_name, self._settings.poll_shards)
        self._given_files = files

    def export(self, tracking_filter: TrackingFilter, *, through_bucket: bool = False) -> Export:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+", encoding="utf-8") as spool:
            rows, custom_names = self._spool(tracking_filter, spool)
            spool.seek(0)
            chunks = self._csv_chunks(spool, custom_names)
            inline: list[str] = []
            size = 0
            for chunk in chunks:
                inline.append(chunk)
                size += len(chunk.encode())
                if through_bucket or size > self._settings.export_inline_bytes:
                    return self._through_bucket(inline, chunks, rows)
            return Export(rows=rows, bytes=size, csv="".join(inline))

    def _spool(self, tracking_filter: TrackingFilter, spool) -> tuple[int, list[str]]:
        catalog = courier_resolution.catalog()
        full_names: dict[str, str] = {}
        custom_names: dict[str, None] = {}
        rows = 0
        for page in self._trackings.matching(tracking_filter):
            for record in page:
                slug = record.slug or ""
                if slug not in full_names:
                    courier = catalog.get_courier(slug)
                    full_names[slug] = courier.name if courier else ""
                cells, custom = csv_export.tracking_cells(record, full_names)
                custom_names.update(dict.fromkeys(custom))
                spool.write(json.dumps([cells, custom], separators=(",", ":")) + "\n")
                rows += 1
        return rows, sorted(custom_names)

    @staticmethod
    def _csv_chunks(spool, custom_names: list[str], rows_per_chunk: int = 500) -> Iterator[str]:
        yield _BOM + csv_export.csv_lines([csv_export.header(custom_names)])
        batch: list[list[str]] = []
        for line in spool:
            cells, custom = json.loads(line)
            batch.append(cells + [custom.get(name, "") for name in custom_names])
            if len(batch) >= rows_per_chunk:
                yield csv_export.csv_lines(batch)
                batch = []
        if batch:
            yield csv_export.csv_lines(batch)

    def _through_bucket(self, written: list[str], rest: Iterator[str], rows: int) -> Export:
        now = utc_now()
        key = f"{EXPORTS}{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(8)}.csv"
        upload = self._files.export_upload(key)
        size = 0
        try:
            for chunk in itertools.chain(written, rest):
                data = chunk.encode()
                size += len(data)
                upload.write(data)
            upload.close()
        except BaseException:
            upload.abort()
            raise
        return Export(
            rows=rows,
            bytes=size,
            url=self._files.download_url(key, LINK_SECONDS),
            expires_at=iso_seconds(now + timedelta(seconds=LINK_SECONDS)),
        )

    @property
    def _files(self) -> ImportFiles:
        if self._given_files is not None:
            return self._given_files
        if not self._settings.import_bucket:
            raise SettingsError("IMPORT_BUCKET is not set: large exports go through the import bucket")
        return ImportFiles(self._settings.import_bucket)
