"""Carrier names as people and sales channels write them, mapped to courier slugs.

Built in: every courier's slug, name and other name from the catalog, and the names sales
channels use in their exports (``data/carrier_names.json``). Names match after normalisation, so
case, accents, trade-mark signs and punctuation do not matter: "Royal mail - 24®/48® RM tracked"
is "royal mail 24 48 rm tracked". Merchants add their own names on top (a table, see
trackline.services.courier_names); this module is only the built-in part.
"""

import difflib
import re
import unicodedata
from collections.abc import Mapping
from functools import cache

from ._resources import read_data_json
from .catalog import all_couriers

CARRIER_NAMES_FILE = "carrier_names.json"
_WORDS = re.compile(r"[^\W_]+")


_MARKS = str.maketrans({"®": " ", "™": " ", "©": " ", "℠": " "})


def normalise_name(name: str) -> str:
    # Marks go first: NFKD would spell "™" as "TM".
    decomposed = unicodedata.normalize("NFKD", name.translate(_MARKS)).casefold()
    without_accents = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_WORDS.findall(without_accents))


def sales_channel_names() -> dict[str, list[str]]:
    """slug -> the sales-channel names of that courier, as the data file lists them."""
    return {slug: names for slug, names in read_data_json(CARRIER_NAMES_FILE).items() if not slug.startswith("_")}


@cache
def built_in_names() -> Mapping[str, str]:
    """normalised name -> slug. Where two couriers share a name, the stronger kind of name wins:
    a slug over a catalog name over a sales-channel name over an "other name"."""
    couriers = all_couriers()
    index: dict[str, str] = {}
    for courier in couriers:
        if courier.other_name:
            index[normalise_name(courier.other_name)] = courier.slug
    for slug, names in sales_channel_names().items():
        for name in names:
            index[normalise_name(name)] = slug
    for courier in couriers:
        index[normalise_name(courier.name)] = courier.slug
    for courier in couriers:
        index[normalise_name(courier.slug)] = courier.slug
    index.pop("", None)
    return index


def closest_slugs(name: str, names: Mapping[str, str], limit: int = 3) -> list[str]:
    """The slugs of the names most like this one, best first (for "did you mean")."""
    matches = difflib.get_close_matches(normalise_name(name), list(names), n=limit * 4, cutoff=0.6)
    return list(dict.fromkeys(names[match] for match in matches))[:limit]
