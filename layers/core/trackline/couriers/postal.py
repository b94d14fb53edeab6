"""The national postal operator of a country: who tracks an S10 item once it arrives there."""

from functools import lru_cache

from ._resources import read_data_json


@lru_cache(maxsize=1)
def _operators_by_country() -> dict[str, str]:
    """Alpha-2 country -> the operator's slug for ordinary (not EMS) items."""
    table = read_data_json("s10_operators.json")
    return {
        country: next((route["slug"] for route in routes if "when" not in route), routes[0]["slug"])
        for country, routes in table.items()
        if routes
    }


def postal_operator(country: str) -> str | None:
    """The postal operator's slug for a country given as alpha-2 or alpha-3; None if unknown."""
    from iso3166 import countries

    found = countries.get(country.strip(), None) if country else None
    return _operators_by_country().get(found.alpha2) if found else None
