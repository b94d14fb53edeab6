"""Response `data` shapes of the trackings endpoints, with the `fields` and `lang` options."""

from typing import Any

from trackline.errors import InvalidValue
from trackline.models.enums import ADDITIONAL_FIELDS, CHECKPOINT_LANGUAGES
from trackline.models.listing import TrackingFilter, TrackingPage
from trackline.models.requests import ListTrackingsQuery
from trackline.models.tracking import TrackingRecord, serialise

IDENTITY_FIELDS = ("id", "tracking_number", "slug")
GET_FIELDS = frozenset({*ADDITIONAL_FIELDS, "title", "order_id", "tag", "checkpoints"})
LIST_FIELDS = frozenset({"title", "order_id", "tag", "checkpoints"})
CHECKPOINT_FIELDS = {
    "slug": "slug",
    "created_at": "created_at",
    "checkpoint_time": "checkpoint_time",
    "city": "city",
    "coordinates": "coordinate",
    "coordinate": "coordinate",
    "country_iso3": "country_iso3",
    "country_name": "country_name",
    "message": "message",
    "state": "state",
    "tag": "tag",
    "zip": "zip",
}


def requested_fields(raw: str | None, allowed: frozenset[str] | set[str]) -> frozenset[str] | None:
    if not raw:
        return None
    names = frozenset(part.strip() for part in raw.split(",") if part.strip())
    unknown = sorted(names - set(allowed))
    if unknown:
        raise InvalidValue("fields", f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(allowed))}.")
    return names


def check_language(lang: str | None) -> None:
    # Checkpoint messages are returned as the carrier wrote them; `lang` is validated, not applied.
    if lang and lang not in CHECKPOINT_LANGUAGES:
        raise InvalidValue("lang", f"Supported: {', '.join(sorted(CHECKPOINT_LANGUAGES))}.")


def tracking(record: TrackingRecord, fields: frozenset[str] | None = None) -> dict[str, Any]:
    document = record.contract_document()
    if fields is None:
        return document
    return {name: document.get(name) for name in (*IDENTITY_FIELDS, *sorted(fields))}


def partial_tracking(record: TrackingRecord, *, with_active: bool = False) -> dict[str, Any]:
    document = {name: getattr(record, name) for name in (*IDENTITY_FIELDS, *ADDITIONAL_FIELDS)}
    if with_active:
        document["active"] = record.active
    return document


def last_checkpoint(record: TrackingRecord, fields: frozenset[str] | None) -> dict[str, Any]:
    checkpoint = serialise(record.checkpoints[-1]) if record.checkpoints else None
    if checkpoint is not None and fields is not None:
        kept = {CHECKPOINT_FIELDS[name] for name in fields}
        checkpoint = {name: value for name, value in checkpoint.items() if name in kept}
    return {
        "id": record.id,
        "tracking_number": record.tracking_number,
        "slug": record.slug,
        "tag": record.tag,
        "subtag": record.subtag,
        "subtag_message": record.subtag_message,
        "checkpoint": checkpoint,
    }


def notification(record: TrackingRecord) -> dict[str, Any]:
    return {"notification": {"emails": list(record.emails), "smses": list(record.smses)}}


def tracking_list(
    page: TrackingPage, query: ListTrackingsQuery, tracking_filter: TrackingFilter, fields: frozenset[str] | None
) -> dict[str, Any]:
    return {
        "page": query.page,
        "limit": query.limit,
        "count": page.count,
        "keyword": query.keyword or "",
        "slug": ",".join(tracking_filter.slugs),
        "origin": list(tracking_filter.origins),
        "destination": list(tracking_filter.destinations),
        "tag": query.tag or "",
        "created_at_min": tracking_filter.created_at_min,
        "created_at_max": tracking_filter.created_at_max,
        "last_updated_at": None,
        "return_to_sender": list(tracking_filter.return_to_sender),
        "courier_destination_country_iso3": list(tracking_filter.courier_destination_countries),
        "trackings": [tracking(record, fields) for record in page.trackings],
    }
