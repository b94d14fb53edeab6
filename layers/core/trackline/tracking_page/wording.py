"""The page's words in the customer's language.

The status names, labels and date formats are the customer messages' own
(notifications/data/messages.json), so the page and the emails say the same thing; what only the
page says is in data/page.json. Both cover the same languages.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

from trackline.notifications.messages import format_date, matching_language, message_catalog

FALLBACK_LANGUAGE = "en"
MAX_ACCEPT_LANGUAGE = 1000  # characters of the header worth reading
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Wording:
    language: str
    tag_names: Mapping[str, str]
    labels: Mapping[str, str]
    summaries: Mapping[str, str]
    formats: Mapping[str, Any]

    def text(self, key: str, **values: object) -> str:
        """A label with its {placeholders} filled; the values are not scanned for placeholders."""
        return _PLACEHOLDER.sub(lambda match: str(values.get(match[1], match[0])), self.labels[key])

    def date(self, day: date) -> str:
        return format_date(day, self.formats)


def wording_for(language: str) -> Wording:
    messages, page = message_catalog()[language], _page()[language]
    return Wording(
        language=language,
        tag_names=messages["tag_names"],
        labels={**messages["ui"], **page["ui"]},
        summaries=page["summaries"],
        formats=messages["formats"],
    )


def supported_languages() -> frozenset[str]:
    return frozenset(message_catalog()) & frozenset(_page())


def choose_language(*, requested: str | None, tracking_language: str | None, accept_language: str | None) -> str:
    """The first supported of: the page's ?lang=, the tracking's language (the merchant knows
    the customer), the browser's preferences; English otherwise."""
    for candidate in (requested, tracking_language, *_preferences(accept_language)):
        if language := _supported(candidate):
            return language
    return FALLBACK_LANGUAGE


def _supported(code: str | None) -> str | None:
    return matching_language(code, supported_languages())


def _preferences(header: str | None) -> list[str]:
    """Accept-Language's languages, most preferred first (q=0 means "not this one")."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "")[:MAX_ACCEPT_LANGUAGE].split(",")):
        code, _, parameters = part.strip().partition(";")
        quality = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                continue
        if code and code != "*" and quality > 0:
            weighted.append((-quality, position, code))
    return [code for _, _, code in sorted(weighted)]


@cache
def _page() -> Mapping[str, Any]:
    return json.loads(files(__package__).joinpath("data", "page.json").read_text(encoding="utf-8"))
