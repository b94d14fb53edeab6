"""What the customer's email and SMS say when a shipment changes, in their language.

The wording lives in data/messages.json; this module only picks the language and the occasion,
fills in the facts and lays them out. Templates use `{name}` placeholders for the facts; the
sentences of an occasion name only facts that are always known, and each optional fact has its
own line or row, which is left out when the fact is missing.
"""

import html
import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, field_validator

from trackline.models.enums import Tag

DATA_FILE = "messages.json"
FALLBACK_LANGUAGE = "en"
# Occasions without wording of their own: Pending says nothing new, so it gets the generic text.
OCCASION_ALIASES: dict[str, str] = {Tag.PENDING.value: "update"}
OCCASIONS: tuple[str, ...] = ("trackable", "update", *(tag.value for tag in Tag if tag is not Tag.PENDING))

# One GSM-7 segment. Non-Latin scripts go out as multi-part UCS-2 messages whatever we do.
SMS_MAX_LENGTH = 160
# A latest event cut shorter than this says nothing useful: it is left out instead.
SMS_MIN_EVENT_LENGTH = 16
# Three dots, not "…": a single character outside GSM-7 would halve what one SMS holds.
SMS_ELLIPSIS = "..."

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class MessageFacts(BaseModel):
    """What a message may tell about a shipment. Deliberately no personal data (names,
    addresses, emails, phone numbers), so no template can ever disclose any."""

    model_config = ConfigDict(frozen=True)

    tracking_number: str
    courier_name: str
    tag: str  # a Tag value
    status: str | None = None  # the human status line; without it, the tag's name in the language
    latest_event: str | None = None  # the latest checkpoint's message
    latest_place: str | None = None  # city and country only
    expected_delivery: str | None = None  # ISO date or datetime, shown as a date
    tracking_link: str | None = None
    brand_name: str = "Trackline"

    @field_validator("*", mode="before")
    @classmethod
    def _one_line_or_missing(cls, value: Any) -> Any:
        # Carrier text may hold line breaks, which would break a subject header or an SMS;
        # a blank value would leave an empty row, so it counts as missing.
        if isinstance(value, str):
            return " ".join(value.split()) or None
        return value

    @field_validator("tag")
    @classmethod
    def _known_tag(cls, value: str) -> str:
        return Tag(value).value


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class _Draft:
    """One message's wording and facts, ready to lay out."""

    language: str
    strings: Mapping[str, Any]
    template: Mapping[str, str]
    values: Mapping[str, str]


def supported_languages() -> frozenset[str]:
    return frozenset(message_catalog())


def email_for(occasion: str, language: str | None, facts: MessageFacts) -> EmailContent:
    """`occasion` is "trackable" (the first checkpoint arrived), "update" or a Tag value."""
    draft = _draft(occasion, language, facts)
    subject = _fill(draft.template["subject"], draft.values)
    return EmailContent(subject=subject, text=_email_text(draft), html=_email_html(draft, subject))


def sms_for(occasion: str, language: str | None, facts: MessageFacts) -> str:
    draft = _draft(occasion, language, facts)
    candidates = list(_sms_candidates(draft))
    return next((text for text in candidates if len(text) <= SMS_MAX_LENGTH), candidates[-1])


@cache
def message_catalog() -> Mapping[str, Any]:
    """The wording of every language (also the tracking page's status names, labels and dates)."""
    text = files(__package__).joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def matching_language(requested: str | None, supported: Collection[str]) -> str | None:
    """The exact code (any case), else its primary subtag ("pt-BR" -> "pt"), if supported."""
    code = (requested or "").strip().lower().replace("_", "-")
    for candidate in (code, code.split("-", 1)[0]):
        if candidate in supported:
            return candidate
    return None


def _language(requested: str | None) -> str:
    return matching_language(requested, message_catalog()) or FALLBACK_LANGUAGE


def _draft(occasion: str, language: str | None, facts: MessageFacts) -> _Draft:
    name = OCCASION_ALIASES.get(occasion, occasion)
    if name not in OCCASIONS:
        raise ValueError(f"no message for occasion {occasion!r}")
    code = _language(language)
    strings = message_catalog()[code]
    return _Draft(code, strings, strings["occasions"][name], _values(facts, strings))


def _values(facts: MessageFacts, strings: Mapping[str, Any]) -> dict[str, str]:
    """The placeholder values; an optional fact that is missing has no entry at all."""
    values = {
        "tracking_number": facts.tracking_number,
        "courier_name": facts.courier_name,
        "brand_name": facts.brand_name,
        "status": facts.status or strings["tag_names"][facts.tag],
    }
    optional = {
        "latest_event": facts.latest_event,
        "latest_place": facts.latest_place,
        "expected_delivery": facts.expected_delivery and _date(facts.expected_delivery, strings["formats"]),
        "tracking_link": facts.tracking_link,
    }
    values.update({name: value for name, value in optional.items() if value})
    return values


def _date(value: str, formats: Mapping[str, Any]) -> str:
    try:
        day = datetime.fromisoformat(value).date()
    except ValueError:
        return value  # not ISO: better shown as the carrier wrote it than not at all
    return format_date(day, formats)


def format_date(day: date, formats: Mapping[str, Any]) -> str:
    """A date in a language's own pattern (its `formats` entry of the catalog)."""
    month_name = formats["month_names"][day.month - 1]
    return formats["date"].format_map({"day": day.day, "month": day.month, "year": day.year, "month_name": month_name})


def _fill(template: str, values: Mapping[str, str], escape: Callable[[str], str] = str) -> str:
    """The template with its placeholders replaced; literal text and values both go through
    `escape`, and a value is never scanned for placeholders itself."""
    pieces = _PLACEHOLDER.split(template)  # literal, name, literal, name, ..., literal
    return "".join(escape(values[piece] if index % 2 else piece) for index, piece in enumerate(pieces))


def _latest_template(values: Mapping[str, str], formats: Mapping[str, Any]) -> str | None:
    match "latest_event" in values, "latest_place" in values:
        case True, True:
            return formats["event_at_place"]
        case True, False:
            return "{latest_event}"
        case False, True:
            return "{latest_place}"
    return None


def _fact_rows(draft: _Draft) -> list[tuple[str, str]]:
    """(label, value template) for each fact the email lists, in order; missing ones left out."""
    values, ui = draft.values, draft.strings["ui"]
    rows = [
        ("status", "{status}"),
        ("latest_update", _latest_template(values, draft.strings["formats"])),
        ("expected_delivery", "{expected_delivery}" if "expected_delivery" in values else None),
        ("tracking_number", "{tracking_number}"),
        ("carrier", "{courier_name}"),
    ]
    return [(ui[label], template) for label, template in rows if template]


def _email_text(draft: _Draft) -> str:
    ui, values = draft.strings["ui"], draft.values
    separator = ui["label_separator"]
    lines = [_fill(draft.template["body"], values), ""]
    lines += [label + separator + _fill(template, values) for label, template in _fact_rows(draft)]
    if "tracking_link" in values:
        lines += ["", ui["track_button"] + separator + values["tracking_link"]]
    lines += ["", "-- ", _fill(ui["footer"], values)]
    return "\n".join(lines) + "\n"


def _is_web_link(link: str) -> bool:
    parts = urlsplit(link)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


_FONT = "font-family:Arial,Helvetica,sans-serif;color:#1f2933;"
_ROW_LABEL = "padding:6px 12px 6px 0;color:#616e7c;font-size:14px;vertical-align:top;width:40%;"
_ROW_VALUE = "padding:6px 0;font-size:14px;font-weight:bold;vertical-align:top;word-break:break-word;"
# Layout tables, not CSS layout: the one structure every email client renders the same.
_TABLE = '<table role="presentation" width="100%" cellpadding="0" cellspacing="0"'
_BUTTON = (
    "display:inline-block;background:#1f6feb;color:#ffffff;text-decoration:none;"
    "font-weight:bold;font-size:16px;padding:12px 24px;border-radius:6px;"
)


def _email_html(draft: _Draft, subject: str) -> str:
    """A single-column layout no wider than 600px, with inline styles only, because email
    clients drop style sheets. Every fact passes through html.escape on the way in."""
    ui, values, esc = draft.strings["ui"], draft.values, html.escape
    facts = "".join(
        f'<tr><td style="{_ROW_LABEL}">{esc(label)}</td>'
        f'<td style="{_ROW_VALUE}">{_fill(template, values, esc)}</td></tr>'
        for label, template in _fact_rows(draft)
    )
    footer = _fill(ui["footer"], values, esc)
    card = "".join((
        _row("padding:24px 24px 0;font-size:14px;color:#616e7c;", esc(values["brand_name"])),
        _row("padding:8px 24px 0;", f'<h1 style="margin:0;font-size:22px;line-height:1.3;">{esc(subject)}</h1>'),
        _row("padding:16px 24px;font-size:16px;line-height:1.5;", _fill(draft.template["body"], values, esc)),
        _row("padding:0 24px 8px;", f"{_TABLE}>{facts}</table>"),
        _link_html(ui, values),
        _row("padding:16px 24px 24px;font-size:12px;line-height:1.5;color:#7b8794;", footer),
    ))
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(draft.language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(subject)}</title></head>"
        f'<body style="margin:0;padding:0;background:#f4f5f7;{_FONT}">'
        f'{_TABLE} style="background:#f4f5f7;"><tr><td align="center" style="padding:24px 12px;">'
        f'{_TABLE} style="max-width:600px;background:#ffffff;border-radius:8px;{_FONT}">{card}</table>'
        "</td></tr></table></body></html>\n"
    )


def _row(style: str, content: str) -> str:
    return f'<tr><td style="{style}">{content}</td></tr>'


def _link_html(ui: Mapping[str, str], values: Mapping[str, str]) -> str:
    link = values.get("tracking_link")
    if link is None:
        return ""
    if _is_web_link(link):
        content = f'<a href="{html.escape(link)}" style="{_BUTTON}">{html.escape(ui["track_button"])}</a>'
    else:
        # Anything but http(s) (javascript:, data:, ...) is never made clickable: shown as text only.
        content = html.escape(ui["track_button"] + ui["label_separator"] + link)
    return _row("padding:16px 24px;font-size:14px;", content)


def _sms_candidates(draft: _Draft) -> Iterator[str]:
    """The SMS from fullest to barest; the first that fits is sent. Detail goes in order of
    least worth: the latest event (shortened first, then dropped), then the expected date. The
    sentence and the tracking link are never cut."""
    lines, values = draft.strings["sms"], draft.values
    main = _fill(draft.template["sms"], values)
    expected = _fill(lines["expected_delivery"], values) if "expected_delivery" in values else None
    link = values.get("tracking_link")
    event = values.get("latest_event")

    def compose(event_text: str | None, with_expected: bool) -> str:
        latest = _fill(lines["latest_event"], {"latest_event": event_text}) if event_text else None
        parts = (main, expected if with_expected else None, latest, link)
        return "\n".join(part for part in parts if part)

    for with_expected in (True, False):
        if event:
            room = SMS_MAX_LENGTH - (len(compose(event, with_expected)) - len(event))
            if shortened := _shorten(event, room):
                yield compose(shortened, with_expected)
        yield compose(None, with_expected)


def _shorten(text: str, room: int) -> str | None:
    if len(text) <= room:
        return text
    if room < SMS_MIN_EVENT_LENGTH:
        return None
    cut = text[: room - len(SMS_ELLIPSIS)]
    # Prefer a word boundary, unless the text has no spaces to speak of (CJK, long codes).
    words, space, _ = cut.rpartition(" ")
    if space and len(words) >= len(cut) // 2:
        cut = words
    return cut.rstrip(" ,;:.-") + SMS_ELLIPSIS
