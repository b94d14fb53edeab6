"""Tracking use cases: create, read, list, update, delete, retrack, complete, notifications."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import timedelta

from trackline.clock import iso_seconds, utc_now
from trackline.errors import (
    ConcurrentUpdate,
    InvalidSlug,
    InvalidTrackingId,
    InvalidValue,
    RetrackAlreadyUsed,
    RetrackNotAllowedWhileActive,
    TrackingNotFound,
)
from trackline.ids import is_tracking_id, new_tracking_id
from trackline.models.enums import SUBTAG_MESSAGES, CompletionReason, Tag, tag_of_subtag
from trackline.models.listing import TrackingPage
from trackline.models.refs import TrackingById, TrackingRef
from trackline.models.requests import CreateTracking, NotificationInput, UpdateTracking
from trackline.models.tracking import NextCourier, TrackingRecord
from trackline.repository.couriers import ActivatedCourierRepository
from trackline.repository.trackings import TrackingRepository, VersionConflict
from trackline.services import courier_resolution
from trackline.settings import Settings, get_settings
from trackline.tracking_page import links

# Enough for a few dozen writers racing on one tracking; each conflict means another write landed.
MAX_SAVE_ATTEMPTS = 25
MAX_RECEIVERS = 3
_LIST_FIELDS = frozenset({"emails", "smses"})
PENDING_SUBTAG = "Pending_001"


class TrackingService:
    def __init__(
        self,
        repository: TrackingRepository | None = None,
        settings: Settings | None = None,
        activated: ActivatedCourierRepository | None = None,
    ) -> None:
        self._settings = settings or get_settings()
        self._repository = repository or TrackingRepository(self._settings.table_name, self._settings.poll_shards)
        self._activated = activated or ActivatedCourierRepository(self._settings.table_name)

    # -- create ---------------------------------------------------------------------------

    def create(self, request: CreateTracking) -> TrackingRecord:
        record = self.new_record(request)
        self._repository.create(record)
        return record

    def new_record(
        self,
        request: CreateTracking,
        *,
        activated: frozenset[str] | None = None,
        tracking_id: str | None = None,
        source: str = "api",
    ) -> TrackingRecord:
        """The tracking a create request makes, checked by every rule of create but not stored:
        the endpoint stores one at a time, an import in batches. An import passes the activated
        couriers it read once for the whole file, and ids derived from the file (so that a
        retried import finds its own trackings)."""
        request = self._with_courier_slug(request)
        _check_exclusive_fields(request)
        additional = request.additional_fields()
        courier = courier_resolution.resolve_courier(
            request.tracking_number,
            slug=request.slug,
            slug_group=request.slug_group,
            # The activated couriers matter only to detection; a given slug needs no read.
            activated=frozenset() if request.slug else (self._activated_couriers() if activated is None else activated),
            additional_fields=additional,
            origin_country_iso3=request.origin_country_iso3 or request.tracking_origin_country,
            destination_country_iso3=request.destination_country_iso3 or request.tracking_destination_country,
        )
        for leg in request.next_couriers or []:
            courier_resolution.require_known_slug(leg.slug)
        now = utc_now()
        stamp = iso_seconds(now)
        polled = courier.slug != courier_resolution.UNRECOGNIZED
        record = TrackingRecord(
            **request.model_dump(exclude={"slug", "slug_group", "next_couriers"}, exclude_none=True),
            id=tracking_id or new_tracking_id(),
            slug=courier.slug,
            created_at=stamp,
            updated_at=stamp,
            last_updated_at=stamp,
            active=True,
            tag=Tag.PENDING,
            subtag=PENDING_SUBTAG,
            subtag_message=SUBTAG_MESSAGES[PENDING_SUBTAG],
            source=source,
            tracked_count=0,
            return_to_sender=False,
            failed_delivery_attempts=0,
            courier_tracking_link=courier.tracking_link,
            next_couriers=[
                NextCourier(slug=leg.slug, tracking_number=leg.tracking_number, source=source)
                for leg in request.next_couriers or []
            ],
            next_poll_at=stamp if polled else None,
            expire_at=int((now + timedelta(days=self._settings.data_retention_days)).timestamp()),
            version=1,
        )
        record.title = record.title or record.tracking_number
        links.give_page_link(record, self._page_base_url())
        return record

    def _with_courier_slug(self, request: CreateTracking) -> CreateTracking:
        return request.model_copy(update={"slug": self._courier_slug(request.slug)}) if request.slug else request

    def _courier_slug(self, slug: str) -> str:
        """A carrier name where a slug is expected ("Hermes/EVRI") is its courier's slug; the
        mappings are read only for a slug the catalog does not know (unknown: 4010)."""
        if courier_resolution.catalog().get_courier(slug) is not None:
            return slug
        from trackline.services.courier_names import CourierNames

        return CourierNames(self._settings.table_name).slug_for(slug)

    # -- read -----------------------------------------------------------------------------

    def get(self, ref: TrackingRef) -> TrackingRecord:
        record = self._read(ref)
        if record.tracking_page_secret is None:
            record = self._with_page_link(record)
        return record

    def _read(self, ref: TrackingRef) -> TrackingRecord:
        if isinstance(ref, TrackingById):
            if not is_tracking_id(ref.tracking_id):
                raise InvalidTrackingId()
            record = self._repository.get(ref.tracking_id)
        else:
            if ref.slug != courier_resolution.UNRECOGNIZED:
                courier_resolution.require_known_slug(ref.slug)
            record = self._repository.find_by_number(ref.slug, ref.tracking_number, ref.additional_fields)
        if record is None:
            raise TrackingNotFound()
        return record

    def list(self, tracking_filter, *, page: int, limit: int) -> TrackingPage:
        return self._repository.list(tracking_filter, offset=(page - 1) * limit, limit=limit)

    # -- change ---------------------------------------------------------------------------

    def update(self, ref: TrackingRef, request: UpdateTracking) -> TrackingRecord:
        # Sent fields only; a field sent as "" or null is cleared.
        changes = request.model_dump(exclude_unset=True)
        if changes.get("custom_fields") == {}:
            # The official SDK sends an empty custom_fields with every model-based update.
            del changes["custom_fields"]
        new_slug = changes.pop("slug", None)
        if new_slug == courier_resolution.UNRECOGNIZED:
            raise InvalidSlug()
        if new_slug:
            new_slug = self._courier_slug(new_slug)

        def apply(record: TrackingRecord) -> None:
            for name, value in changes.items():
                setattr(record, name, [] if value is None and name in _LIST_FIELDS else value)
            _check_exclusive_fields(record)
            record.title = record.title or record.tracking_number
            if new_slug and new_slug != record.slug:
                courier_resolution.check_number_for(new_slug, record.tracking_number)
                _start_over_with(record, new_slug)

        return self.change(ref, apply)

    def delete(self, ref: TrackingRef) -> TrackingRecord:
        for attempt in range(MAX_SAVE_ATTEMPTS):
            record = self._read(ref)
            try:
                self._repository.delete(record)
                return record
            except VersionConflict:
                _back_off(attempt)
        raise ConcurrentUpdate()

    def retrack(self, ref: TrackingRef) -> TrackingRecord:
        def apply(record: TrackingRecord) -> None:
            if record.active:
                raise RetrackNotAllowedWhileActive()
            if record.retrack_count >= 1:
                raise RetrackAlreadyUsed()
            record.retrack_count += 1
            record.active = True
            record.next_poll_at = iso_seconds(utc_now())

        return self.change(ref, apply)

    def mark_completed(self, ref: TrackingRef, reason: CompletionReason) -> TrackingRecord:
        subtag = CompletionReason(reason).subtag

        def apply(record: TrackingRecord) -> None:
            record.tag = tag_of_subtag(subtag)
            record.subtag = subtag
            record.subtag_message = SUBTAG_MESSAGES[subtag]
            record.active = False
            record.next_poll_at = None
            if reason == CompletionReason.RETURNED_TO_SENDER:
                record.return_to_sender = True

        return self.change(ref, apply)

    def add_receivers(self, ref: TrackingRef, receivers: NotificationInput) -> TrackingRecord:
        def apply(record: TrackingRecord) -> None:
            record.emails = _merged("emails", record.emails, receivers.emails or [])
            record.smses = _merged("smses", record.smses, receivers.smses or [])

        return self.change(ref, apply)

    def remove_receivers(self, ref: TrackingRef, receivers: NotificationInput) -> TrackingRecord:
        def apply(record: TrackingRecord) -> None:
            record.emails = _without(record.emails, receivers.emails or [])
            record.smses = _without(record.smses, receivers.smses or [])

        return self.change(ref, apply)

    def get_many(self, tracking_ids: list[str]) -> list[TrackingRecord]:
        return self._repository.get_many(tracking_ids)

    def change(
        self,
        ref: TrackingRef,
        apply: Callable[[TrackingRecord], None],
        current: TrackingRecord | None = None,
        applied: TrackingRecord | None = None,
    ) -> TrackingRecord:
        """Read, change and save under optimistic concurrency; a conflict re-reads and re-applies,
        so concurrent writers never overwrite each other's fields. `current`, when the caller has
        just read the tracking, saves the first read; `applied`, when the caller has already
        applied the change to a copy of `current`, saves applying it again."""
        for attempt in range(MAX_SAVE_ATTEMPTS):
            first = attempt == 0 and current is not None
            current = current if first else self._read(ref)
            if first and applied is not None:
                changed = applied
            else:
                changed = current.model_copy(deep=True)
                apply(changed)
            links.give_page_link(changed, self._page_base_url())
            stamp = iso_seconds(utc_now())
            changed.version = current.version + 1
            changed.updated_at = changed.last_updated_at = stamp
            try:
                self._repository.save(changed, expected_version=current.version, previous=current)
                return changed
            except VersionConflict:
                _back_off(attempt)
        raise ConcurrentUpdate()

    def _activated_couriers(self) -> frozenset[str]:
        return self._activated.slugs()

    # -- the tracking page link -----------------------------------------------------------

    def _page_base_url(self) -> str | None:
        return self._settings.tracking_page_base_url or links.request_base_url()

    def _with_page_link(self, record: TrackingRecord) -> TrackingRecord:
        """A tracking stored before tracking pages existed gets its link when first read. Not a
        change of the shipment: updated_at stays, and the stream sees nothing to announce."""
        linked = record.model_copy(deep=True)
        links.give_page_link(linked, self._page_base_url())
        linked.version = record.version + 1
        try:
            self._repository.save(linked, expected_version=record.version, previous=record)
        except VersionConflict:
            # Someone else wrote it meanwhile, and every write gives the link.
            return self._repository.get(record.id) or record
        return linked


def _check_exclusive_fields(request) -> None:
    if getattr(request, "slug_group", None) and getattr(request, "slug", None):
        raise InvalidValue("slug_group", "Send either slug or slug_group, not both.")
    origin_given = any(
        getattr(request, name)
        for name in ("origin_country_iso3", "origin_state", "origin_city", "origin_postal_code", "origin_raw_location")
    )
    if request.location_id and origin_given:
        raise InvalidValue("location_id", "A location_id cannot be combined with origin_* fields.")


def _start_over_with(record: TrackingRecord, slug: str) -> None:
    """A new courier means a new shipment history: back to Pending and polled again."""
    record.slug = slug
    record.courier_tracking_link = courier_resolution.link_for(slug, record.tracking_number)
    record.checkpoints = []
    record.tag = Tag.PENDING
    record.subtag = PENDING_SUBTAG
    record.subtag_message = SUBTAG_MESSAGES[PENDING_SUBTAG]
    record.active = True
    record.next_poll_at = iso_seconds(utc_now())


def _merged(field: str, current: list[str], added: list[str]) -> list[str]:
    known = {value.lower() for value in current}
    merged = current + [value for value in added if value.lower() not in known]
    if len(merged) > MAX_RECEIVERS:
        raise InvalidValue(field, f"A tracking has at most {MAX_RECEIVERS} {field}.")
    return merged


def _without(current: list[str], removed: list[str]) -> list[str]:
    gone = {value.lower() for value in removed}
    return [value for value in current if value.lower() not in gone]


def _back_off(attempt: int) -> None:
    """Full jitter, growing with each conflict, so racing writers spread out."""
    time.sleep(random.uniform(0, min(0.25, 0.005 * 2**attempt)))
