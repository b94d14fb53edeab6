"""Countries by ISO 3166-1: carriers speak alpha-2 or names, the contract speaks alpha-3."""

from functools import lru_cache


@lru_cache(maxsize=512)
def iso3(code_or_name: str | None) -> str | None:
    """The alpha-3 code of an alpha-2 code, an alpha-3 code or an English name; None if unknown."""
    if not code_or_name:
        return None
    from iso3166 import countries

    country = countries.get(code_or_name.strip(), None)
    return country.alpha3 if country else None


@lru_cache(maxsize=512)
def country_name(code: str | None) -> str | None:
    if not code:
        return None
    from iso3166 import countries

    country = countries.get(code.strip(), None)
    return country.name if country else None
