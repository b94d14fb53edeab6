"""CSV import use cases: accept a file, import its rows, report on every row.

A file is an import. Its id is derived from the file's bytes, so the same file uploaded (or
dropped in the bucket) again finds the import it made and creates nothing; the tracking ids of its
rows are derived from the import id and the row number, so an import that is retried after a
crash recognises the trackings it created before.

Every row is created by the create endpoint's own rules (TrackingService.new_record: validation,
carrier names, detection, required fields), then written in batches (BulkTrackingWriter), several
transactions at once.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from trackline.clock import iso_seconds, utc_now
from trackline.errors import CourierNotDetected, ImportNotFound, InvalidImportFile, TracklineError
from trackline.imports import outcomes
from trackline.imports.csv_reader import CsvRow, FileProblem, ParsedFile, read_csv
from trackline.imports.rows import create_input
from trackline.models.imports import FileError, ImportReportQuery, ImportStatus, ImportSummary, Outcome, RowOutcome
from trackline.models.requests import CreateTracking
from trackline.models.tracking import TrackingRecord
from trackline.outbound.import_files import INCOMING, FileMissing, FileTooLarge, ImportFiles, ImportQueue
from trackline.repository.bulk_trackings import ROWS_PER_TRANSACTION, BulkTrackingWriter
from trackline.repository.couriers import ActivatedCourierRepository
from trackline.repository.imports import ImportRepository
from trackline.services import courier_resolution
from trackline.services.courier_names import CourierNames
from trackline.services.trackings import TrackingService
from trackline.settings import Settings, SettingsError, get_settings

logger = Logger(child=True)

CHUNK_ROWS = 500  # rows validated, written and reported together
ID_LENGTH = 24
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def import_id_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:ID_LENGTH]


def row_tracking_id(import_id: str, row: int) -> str:
    """A tracking id (24 of [a-z0-9]) that only this row of this file gets."""
    number = int.from_bytes(hashlib.sha256(f"{import_id}:{row}".encode()).digest(), "big")
    digits = []
    for _ in range(ID_LENGTH):
        number, digit = divmod(number, 36)
        digits.append(_BASE36[digit])
    return "".join(digits)


@dataclass
class _Run:
    """What one import reads once for the whole file."""

    import_id: str
    activated: frozenset[str]
    names: CourierNames
    column_labels: dict[str, str]
    first_row_of: dict[tuple, int] = field(default_factory=dict)


class ImportService:
    def __init__(
        self,
        settings: Settings | None = None,
        imports: ImportRepository | None = None,
        files: ImportFiles | None = None,
        queue: ImportQueue | None = None,
        writer: BulkTrackingWriter | None = None,
    ) -> None:
        self._settings = settings or get_settings()
        self._imports = imports or ImportRepository(self._settings.table_name)
        self._given_files, self._given_queue = files, queue
        self._writer = writer or BulkTrackingWriter(self._settings.table_name, self._settings.poll_shards)

    @cached_property
    def _files(self) -> ImportFiles:
        if self._given_files is not None:
            return self._given_files
        if not self._settings.import_bucket:
            raise SettingsError("IMPORT_BUCKET is not set: the function is not wired to the import bucket")
        return ImportFiles(self._settings.import_bucket)

    @cached_property
    def _queue(self) -> ImportQueue:
        if self._given_queue is not None:
            return self._given_queue
        if not self._settings.import_queue_url:
            raise SettingsError("IMPORT_QUEUE_URL is not set: the function is not wired to the import queue")
        return ImportQueue(self._settings.import_queue_url)

    @cached_property
    def _trackings(self) -> TrackingService:
        return TrackingService(settings=self._settings)

    # -- the API: accept a file ------------------------------------------------------------

    def submit(self, content: bytes) -> ImportSummary:
        """The file's import, new or (for a file seen before) the one it already has. A file
        refused as a whole is refused here at once; the rows are imported by the worker."""
        parsed = read_csv(content, max_rows=self._settings.import_max_rows)
        if not parsed.accepted:
            raise InvalidImportFile([problem.message for problem in parsed.problems])
        import_id = import_id_of(content)
        existing = self._imports.get(import_id)
        if existing is not None:
            return existing
        key = self._files.store_upload(import_id, content)
        summary = self._new_summary(import_id, "api", key, len(content))
        summary.total_rows = len(parsed.rows)
        # Queued before it is recorded: a recorded import is always on its way.
        self._queue.send(import_id, key)
        if not self._imports.create(summary):
            return self._imports.get(import_id) or summary
        return summary

    def get(self, import_id: str, query: ImportReportQuery) -> dict[str, Any]:
        summary = self._imports.get(import_id) if _is_import_id(import_id) else None
        if summary is None:
            raise ImportNotFound()
        rows = self._imports.rows(import_id)
        if query.outcome == "failed":
            rows = [row for row in rows if row.outcome != Outcome.CREATED]
        elif query.outcome is not None:
            rows = [row for row in rows if row.outcome == query.outcome]
        start = (query.page - 1) * query.limit
        return {
            **summary.as_contract(),
            "rows": [row.model_dump(mode="json", exclude_none=True) for row in rows[start : start + query.limit]],
            "rows_count": len(rows),
            "page": query.page,
            "limit": query.limit,
        }

    def recent(self, limit: int) -> list[ImportSummary]:
        return self._imports.recent(limit)

    # -- the worker: import a file ---------------------------------------------------------

    def process_message(self, message: dict[str, Any]) -> None:
        """A queue message: from the API ({import_id, key}) or an S3 "Object Created" event
        (EventBridge) for a file dropped under incoming/."""
        if "key" in message:
            self.process(str(message["key"]), "api")
            return
        detail = message.get("detail") or {}
        key = (detail.get("object") or {}).get("key")
        if message.get("source") == "aws.s3" and isinstance(key, str) and key.startswith(INCOMING):
            self.process(self._stored_key(key), "bucket")
            return
        logger.warning("Not an import message; ignored", extra={"detail_type": message.get("detail-type")})

    def process(self, key: str, source: str) -> ImportSummary | None:
        try:
            content = self._files.read(key, self._settings.import_max_bytes)
        except FileTooLarge as error:
            return self._refuse_too_large(key, source, error.size)
        except FileMissing:
            logger.warning("The import file is gone; nothing to import", extra={"key": key})
            return None
        import_id = import_id_of(content)
        summary = self._imports.get(import_id)
        if summary is not None and summary.status in (ImportStatus.COMPLETED, ImportStatus.FAILED):
            logger.info("This file was imported already", extra={"import_id": import_id})
            return summary
        summary = summary or self._new_summary(import_id, source, key, len(content))
        parsed = read_csv(content, max_rows=self._settings.import_max_rows)
        if not parsed.accepted:
            return self._finish(summary, ImportStatus.FAILED, file_errors=parsed.problems)
        try:
            self._import_rows(summary, parsed)
        except Exception as error:
            # SQS delivers the file again (3 times in all); the report says so meanwhile.
            logger.exception("Import interrupted", extra={"import_id": import_id, "error_type": type(error).__name__})
            summary.error = "The import stopped before its last row; it is tried again, and rows created already are kept."
            summary.updated_at = iso_seconds(utc_now())
            self._imports.save(summary)
            raise
        summary.error = None
        return self._finish(summary, ImportStatus.COMPLETED)

    def _import_rows(self, summary: ImportSummary, parsed: ParsedFile) -> None:
        summary.status = ImportStatus.PROCESSING
        summary.total_rows = len(parsed.rows)
        summary.processed_rows = 0
        summary.counts = {}
        summary.started_at = summary.updated_at = iso_seconds(utc_now())
        self._imports.save(summary)
        run = _Run(
            import_id=summary.id,
            activated=ActivatedCourierRepository(self._settings.table_name).slugs(),
            names=CourierNames(self._settings.table_name, preload=True),
            column_labels={column.column.field: column.label for column in parsed.header if column.column},
        )
        with ThreadPoolExecutor(max_workers=self._settings.import_write_concurrency) as pool:
            for chunk, start in enumerate(range(0, len(parsed.rows), CHUNK_ROWS)):
                rows = parsed.rows[start : start + CHUNK_ROWS]
                reported = self._import_chunk(rows, run, pool)
                self._imports.save_rows(summary.id, chunk, reported, summary.expire_at)
                for outcome in reported:
                    summary.counts[outcome.outcome] = summary.counts.get(outcome.outcome, 0) + 1
                summary.processed_rows += len(rows)
                summary.updated_at = iso_seconds(utc_now())
                self._imports.save(summary)

    def _import_chunk(self, rows: list[CsvRow], run: _Run, pool: ThreadPoolExecutor) -> list[RowOutcome]:
        reported: dict[int, RowOutcome] = {}
        candidates: list[tuple[CsvRow, TrackingRecord]] = []
        for row in rows:
            try:
                record = self._record_of(row, run)
            except TracklineError as error:
                reported[row.number] = self._failed(row, error, run)
                continue
            identity = (record.slug, record.tracking_number, tuple(sorted(record.additional_fields().items())))
            first = run.first_row_of.setdefault(identity, row.number)
            if first != row.number:
                reported[row.number] = outcomes.duplicate_in_file(row.number, first, record.tracking_number, record.slug)
                continue
            candidates.append((row, record))

        taken = self._writer.taken_numbers([record for _, record in candidates])
        fresh: list[tuple[CsvRow, TrackingRecord]] = []
        for position, (row, record) in enumerate(candidates):
            holder = taken.get(position)
            if holder is None:
                fresh.append((row, record))
            elif holder == record.id:  # created by an earlier attempt of this import
                reported[row.number] = _created(row, record)
            else:
                reported[row.number] = outcomes.already_tracked(row.number, record.tracking_number, record.slug)

        batches = [fresh[start : start + ROWS_PER_TRANSACTION] for start in range(0, len(fresh), ROWS_PER_TRANSACTION)]
        results = pool.map(lambda batch: self._writer.create_many([record for _, record in batch]), batches)
        for batch, stored in zip(batches, results):
            for (row, record), created in zip(batch, stored):
                reported[row.number] = (
                    _created(row, record) if created else outcomes.already_tracked(row.number, record.tracking_number, record.slug)
                )
        return [reported[row.number] for row in rows]

    def _record_of(self, row: CsvRow, run: _Run) -> TrackingRecord:
        fields, courier = create_input(row.cells)
        request = _validated(fields)
        if courier:
            request = request.model_copy(update={"slug": run.names.slug_for(courier)})
        return self._trackings.new_record(
            request, activated=run.activated, tracking_id=row_tracking_id(run.import_id, row.number), source="csv"
        )

    def _failed(self, row: CsvRow, error: TracklineError, run: _Run) -> RowOutcome:
        number = row.cells.get("tracking_number")
        if isinstance(error, CourierNotDetected) and error.message == CourierNotDetected.NOT_ACTIVATED and number:
            fitting = [(courier.slug, courier.name) for courier in courier_resolution.catalog().detect(number.strip().upper())]
            if fitting:
                return outcomes.courier_not_activated(row.number, number, fitting[:3])
        return outcomes.failed_row(row.number, error, tracking_number=number, column_labels=run.column_labels)

    # -- bookkeeping -----------------------------------------------------------------------

    def _new_summary(self, import_id: str, source: str, key: str, size: int) -> ImportSummary:
        now = utc_now()
        return ImportSummary(
            id=import_id,
            status=ImportStatus.QUEUED,
            source=source,
            object_key=key,
            bytes=size,
            created_at=iso_seconds(now),
            updated_at=iso_seconds(now),
            expire_at=int((now + timedelta(days=self._settings.import_retention_days)).timestamp()),
        )

    def _finish(self, summary: ImportSummary, status: ImportStatus, file_errors: list[FileProblem] = ()) -> ImportSummary:
        summary.status = status
        summary.file_errors = [FileError(code=p.code, message=p.message, row=p.row, column=p.column) for p in file_errors]
        summary.updated_at = summary.finished_at = iso_seconds(utc_now())
        self._imports.save(summary)
        logger.info("Import finished", extra={"import_id": summary.id, "status": status, "counts": summary.counts})
        return summary

    def _refuse_too_large(self, key: str, source: str, size: int) -> ImportSummary:
        # The file is not read, so its id comes from its name and size.
        summary = self._new_summary(import_id_of(f"too large:{key}:{size}".encode()), source, key, size)
        problem = FileProblem(
            "file_too_large",
            f"The file has {size:,} bytes; at most {self._settings.import_max_bytes:,} are imported from one file. Split it into smaller files.",
        )
        return self._finish(summary, ImportStatus.FAILED, file_errors=[problem])

    def _stored_key(self, key: str) -> str:
        """S3 event keys may arrive URL-encoded (a space as "+")."""
        decoded = unquote_plus(key)
        return decoded if decoded != key and not self._files.exists(key) else key


def _validated(fields: dict[str, Any]) -> CreateTracking:
    try:
        return CreateTracking.model_validate(fields)
    except ValidationError as error:
        from trackline.api.errors import domain_error_from_validation

        raise domain_error_from_validation(error.errors()) from None


def _created(row: CsvRow, record: TrackingRecord) -> RowOutcome:
    return RowOutcome(row=row.number, outcome=Outcome.CREATED, tracking_number=record.tracking_number, slug=record.slug, tracking_id=record.id)


def _is_import_id(value: str) -> bool:
    return len(value) == ID_LENGTH and all(char in "0123456789abcdef" for char in value)
