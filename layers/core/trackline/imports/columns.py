"""The CSV columns: what each one fills, the names it is known by, and what an export writes.

AfterShip's CSV format (the contract, section 8): a header row, `tracking_number` the one
required column, the optional ones below. Where the docs name a column in several ways (email or
emails, sms or smses or phone, origin_country or origin_country_iso3), every name is accepted.
Header names are read case-insensitively, with spaces and dashes as underscores.
"""

from dataclasses import dataclass
from enum import StrEnum

CUSTOM_FIELD_PREFIX = "custom_fields."


class Kind(StrEnum):
    TEXT = "text"
    COURIER = "courier"  # a slug or a carrier name
    COUNTRY = "country"  # ISO 3166 alpha-3, alpha-2 or English name
    LIST = "list"  # comma separated inside the cell


@dataclass(frozen=True)
class Column:
    name: str  # the canonical name, which the export writes
    field: str  # the CreateTracking field it fills
    aliases: tuple[str, ...] = ()
    kind: Kind = Kind.TEXT


IMPORT_COLUMNS: tuple[Column, ...] = (
    Column("tracking_number", "tracking_number", ("tracking_numbers", "tracking_no")),
    Column("courier", "slug", ("slug", "carrier", "courier_name", "carrier_name"), Kind.COURIER),
    Column("title", "title"),
    Column("order_id", "order_id"),
    Column("order_id_path", "order_id_path", ("order_path",)),
    Column("order_number", "order_number"),
    Column("order_date", "order_date"),
    Column("order_promised_delivery_date", "order_promised_delivery_date"),
    Column("customer_name", "customer_name"),
    Column("emails", "emails", ("email", "e_mail"), Kind.LIST),
    Column("smses", "smses", ("sms", "phone", "phones", "phone_number"), Kind.LIST),
    Column("language", "language"),
    Column("note", "note"),
    Column("shipment_type", "shipment_type"),
    Column("shipping_method", "shipping_method"),
    Column("delivery_type", "delivery_type"),
    Column("pickup_location", "pickup_location"),
    Column("pickup_note", "pickup_note"),
    Column("location_id", "location_id"),
    Column("shipment_tags", "shipment_tags", (), Kind.LIST),
    Column("origin_country_iso3", "origin_country_iso3", ("origin_country",), Kind.COUNTRY),
    Column("origin_state", "origin_state"),
    Column("origin_city", "origin_city"),
    Column("origin_postal_code", "origin_postal_code"),
    Column("origin_raw_location", "origin_raw_location"),
    Column("destination_country_iso3", "destination_country_iso3", ("destination_country",), Kind.COUNTRY),
    Column("destination_state", "destination_state"),
    Column("destination_city", "destination_city"),
    Column("destination_postal_code", "destination_postal_code"),
    Column("destination_raw_location", "destination_raw_location"),
    Column("tracking_account_number", "tracking_account_number"),
    Column("tracking_key", "tracking_key"),
    Column("tracking_ship_date", "tracking_ship_date"),
    Column("tracking_postal_code", "tracking_postal_code"),
    Column("tracking_origin_country", "tracking_origin_country", (), Kind.COUNTRY),
    Column("tracking_destination_country", "tracking_destination_country", (), Kind.COUNTRY),
    Column("tracking_state", "tracking_state"),
)

# Columns only an export writes (what the carrier and Trackline know): an exported file imports
# as it is, these are skipped.
EXPORT_ONLY_COLUMNS: tuple[str, ...] = (
    "id",
    "courier_full_name",
    "tag",
    "subtag",
    "subtag_message",
    "active",
    "source",
    "created_at",
    "updated_at",
    "shipment_pickup_date",
    "shipment_delivery_date",
    "expected_delivery",
    "transit_time",
    "signed_by",
    "courier_destination_country_iso3",
    "last_checkpoint_time",
    "last_checkpoint_location",
    "last_checkpoint_message",
    "courier_tracking_link",
)

# The export's columns, in order; then one custom_fields.<name> column per custom field found.
EXPORT_COLUMNS: tuple[str, ...] = (
    "id",
    "tracking_number",
    "courier",
    "courier_full_name",
    "tag",
    "subtag",
    "subtag_message",
    "title",
    "order_id",
    "order_id_path",
    "order_number",
    "order_date",
    "order_promised_delivery_date",
    "customer_name",
    "emails",
    "smses",
    "language",
    "note",
    "shipment_type",
    "shipping_method",
    "shipment_tags",
    "origin_country_iso3",
    "origin_state",
    "origin_city",
    "origin_postal_code",
    "destination_country_iso3",
    "destination_state",
    "destination_city",
    "destination_postal_code",
    "tracking_account_number",
    "tracking_key",
    "tracking_ship_date",
    "tracking_postal_code",
    "tracking_origin_country",
    "tracking_destination_country",
    "tracking_state",
    "active",
    "source",
    "created_at",
    "updated_at",
    "shipment_pickup_date",
    "shipment_delivery_date",
    "expected_delivery",
    "transit_time",
    "signed_by",
    "courier_destination_country_iso3",
    "last_checkpoint_time",
    "last_checkpoint_location",
    "last_checkpoint_message",
    "courier_tracking_link",
)


def header_key(label: str) -> str:
    """How a header label is compared: "Tracking Number" and "tracking-number" are tracking_number."""
    key = "_".join(label.strip().casefold().replace("-", " ").split())
    return key.replace("custom_fields_", CUSTOM_FIELD_PREFIX, 1) if key.startswith("custom_fields_") else key


def _by_name() -> dict[str, Column]:
    names: dict[str, Column] = {}
    for column in IMPORT_COLUMNS:
        for name in (column.name, *column.aliases):
            names[header_key(name)] = column
    return names


COLUMNS_BY_NAME: dict[str, Column] = _by_name()
KNOWN_NAMES: tuple[str, ...] = tuple(COLUMNS_BY_NAME) + EXPORT_ONLY_COLUMNS

