"""The courier catalog (``couriers.json``) and the slug groups of spec §4.3."""

from collections.abc import Mapping
from functools import cache
from urllib.parse import quote

from ._resources import read_data_json
from .models import Courier
from .normalise import normalise_tracking_number

COURIERS_FILE = "couriers.json"
SLUG_GROUPS_FILE = "slug_groups.json"
LINK_PLACEHOLDER = "{tracking_number}"


class _Catalog(Mapping[str, Courier]):
    """Slug -> Courier, each Courier built on first use: a detection touches a handful of the
    catalog, and building all of them would lengthen every cold start."""

    def __init__(self, rows: list[dict]) -> None:
        self._rows = {row["slug"]: row for row in sorted(rows, key=lambda row: row["slug"])}
        if len(self._rows) != len(rows):
            raise ValueError(f"{COURIERS_FILE} lists a slug twice")
        self._built: dict[str, Courier] = {}

    def __getitem__(self, slug: str) -> Courier:
        courier = self._built.get(slug)
        if courier is None:
            courier = self._built[slug] = Courier.model_validate(self._rows[slug])
        return courier

    def __contains__(self, slug: object) -> bool:
        return slug in self._rows

    def __iter__(self):
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


@cache
def couriers_by_slug() -> Mapping[str, Courier]:
    return _Catalog(read_data_json(COURIERS_FILE))


@cache
def _slug_groups() -> Mapping[str, frozenset[str]]:
    return {group: frozenset(slugs) for group, slugs in read_data_json(SLUG_GROUPS_FILE).items()}


def get_courier(slug: str) -> Courier | None:
    return couriers_by_slug().get(slug)


def all_couriers() -> list[Courier]:
    """Every courier, sorted by slug (a new list each call; the couriers themselves are shared)."""
    return list(couriers_by_slug().values())


def slugs_in_group(group: str) -> frozenset[str] | None:
    """Member slugs of a SlugGroupV1 value, or None when the group is unknown."""
    return _slug_groups().get(group)


def tracking_link(slug: str, tracking_number: str) -> str | None:
    """The courier's public tracking page for the number, when the courier has a known template."""
    courier = get_courier(slug)
    if courier is None or courier.tracking_link_template is None:
        return None
    number = quote(normalise_tracking_number(tracking_number), safe="")
    return courier.tracking_link_template.replace(LINK_PLACEHOLDER, number)
