"""The customer message templates (data/messages.json) and their renderer."""

import json
import re
from importlib.resources import files

import pytest
from pydantic import ValidationError

from trackline.models.enums import Tag
from trackline.notifications.messages import (
    OCCASIONS,
    EmailContent,
    MessageFacts,
    email_for,
    sms_for,
    supported_languages,
)

CATALOG = json.loads(files("trackline.notifications").joinpath("data", "messages.json").read_text(encoding="utf-8"))
LANGUAGES = sorted(CATALOG)
EXPECTED_LANGUAGES = {"en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "ja", "zh"}
EXPECTED_OCCASIONS = {"trackable", "update"} | {tag.value for tag in Tag} - {"Pending"}
OCCASION_KEYS = {"subject", "body", "sms"}

ALLOWED_PLACEHOLDERS = {
    "tracking_number",
    "courier_name",
    "status",
    "latest_event",
    "latest_place",
    "expected_delivery",
    "tracking_link",
    "brand_name",
}
# The facts every message has; sentences may only rely on these, optional facts get own lines.
ALWAYS_KNOWN = {"tracking_number", "courier_name", "status", "brand_name"}
DATE_PLACEHOLDERS = {"day", "month", "month_name", "year"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")

LINK = "https://track.example.com/t/JJD0099999999000012345"
LONG_EVENT = (
    "The shipment has been processed in the parcel center of origin and is being prepared "
    "for onward transport to the destination region, where it will be sorted again"
)
ALL_FACTS = MessageFacts(
    tracking_number="JJD0099999999000012345",
    courier_name="DHL Paket",
    tag="InTransit",
    status="Arrival scan",
    latest_event="Arrived at the parcel center",
    latest_place="Leipzig, DE",
    expected_delivery="2026-03-05T18:00:00+01:00",
    tracking_link=LINK,
    brand_name="Acme Outdoor",
)
REQUIRED_FACTS = MessageFacts(tracking_number="1Z999AA10123456784", courier_name="UPS", tag="InTransit")
ALL_OCCASIONS = sorted(EXPECTED_OCCASIONS | {"Pending"})


def strings_of(node, path=()):
    """(path, text) for every string in a nested JSON structure."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings_of(value, (*path, key))
    else:
        for index, value in enumerate(node):
            yield from strings_of(value, (*path, index))


def key_paths(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from key_paths(value, (*path, key))


def placeholders(text):
    return set(PLACEHOLDER.findall(text))


def assert_fully_rendered(text):
    assert "{" not in text and "}" not in text, text
    assert "None" not in text, text


# --- the data ------------------------------------------------------------------------------


def test_the_expected_languages_are_there_and_supported():
    assert set(CATALOG) == EXPECTED_LANGUAGES
    assert supported_languages() == EXPECTED_LANGUAGES


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_occasion_and_every_key(language):
    strings = CATALOG[language]
    assert set(key_paths(strings)) == set(key_paths(CATALOG["en"]))
    assert set(strings["occasions"]) == EXPECTED_OCCASIONS == set(OCCASIONS)
    for occasion in strings["occasions"].values():
        assert set(occasion) == OCCASION_KEYS
    assert set(strings["tag_names"]) == {tag.value for tag in Tag}
    assert len(strings["formats"]["month_names"]) == 12
    assert all(text.strip() for _, text in strings_of(strings))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_placeholder_is_from_the_allowed_set(language):
    for path, text in strings_of(CATALOG[language]):
        allowed = DATE_PLACEHOLDERS if path == ("formats", "date") else ALLOWED_PLACEHOLDERS
        assert placeholders(text) <= allowed, (path, text)
        assert not re.search(r"[{}]", PLACEHOLDER.sub("", text)), f"stray brace in {path}: {text}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_sentences_rely_only_on_facts_that_are_always_known(language):
    strings = CATALOG[language]
    for name, occasion in strings["occasions"].items():
        for key, text in occasion.items():
            assert placeholders(text) <= ALWAYS_KNOWN, (name, key, text)
    assert placeholders(strings["ui"]["footer"]) <= ALWAYS_KNOWN
    assert placeholders(strings["sms"]["expected_delivery"]) == {"expected_delivery"}
    assert placeholders(strings["sms"]["latest_event"]) == {"latest_event"}
    assert placeholders(strings["formats"]["event_at_place"]) == {"latest_event", "latest_place"}


# --- rendering -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("occasion", ALL_OCCASIONS)
def test_every_template_renders_with_all_facts(language, occasion):
    email = email_for(occasion, language, ALL_FACTS)
    sms = sms_for(occasion, language, ALL_FACTS)
    for text in (email.subject, email.text, email.html, sms):
        assert_fully_rendered(text)
    assert "\n" not in email.subject
    ui = CATALOG[language]["ui"]
    for shown in ("JJD0099999999000012345", "DHL Paket", "Arrival scan", "Leipzig, DE", ui["expected_delivery"]):
        assert shown in email.text and shown in email.html
    assert f'href="{LINK}"' in email.html
    assert LINK in email.text and LINK in sms


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("occasion", ALL_OCCASIONS)
def test_every_template_renders_with_only_the_required_facts(language, occasion):
    email = email_for(occasion, language, REQUIRED_FACTS)
    sms = sms_for(occasion, language, REQUIRED_FACTS)
    for text in (email.subject, email.text, email.html, sms):
        assert_fully_rendered(text)
    strings = CATALOG[language]
    ui = strings["ui"]
    # Rows and lines of missing facts are left out, not shown empty.
    for absent in (ui["latest_update"], ui["expected_delivery"], ui["track_button"]):
        assert absent + ui["label_separator"] not in email.text
        assert f">{absent}<" not in email.html
    assert ui["tracking_number"] + ui["label_separator"] in email.text
    assert f'>{ui["tracking_number"]}<' in email.html
    assert "href" not in email.html
    # The status falls back to the tag's name in the message's language.
    assert strings["tag_names"]["InTransit"] in email.text
    assert "1Z999AA10123456784" in sms and "Trackline" in email.text


def test_the_email_text_lists_the_facts():
    email = email_for("InTransit", "en", ALL_FACTS)
    subject = "Your parcel from Acme Outdoor is on its way"
    assert email == EmailContent(subject=subject, text=email.text, html=email.html)
    assert email.text == (
        "Your parcel is on its way to you with DHL Paket. Here is where it stands.\n"
        "\n"
        "Status: Arrival scan\n"
        "Latest update: Arrived at the parcel center (Leipzig, DE)\n"
        "Expected delivery: 5 March 2026\n"
        "Tracking number: JJD0099999999000012345\n"
        "Carrier: DHL Paket\n"
        "\n"
        f"Track your parcel: {LINK}\n"
        "\n"
        "-- \n"
        "You receive this email because Acme Outdoor shipped you a parcel.\n"
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "5 March 2026"), ("de", "5. März 2026"), ("es", "5 de marzo de 2026"), ("ja", "2026年3月5日")],
)
def test_the_expected_delivery_is_shown_as_a_local_date(language, expected):
    facts = REQUIRED_FACTS.model_copy(update={"expected_delivery": "2026-03-05"})
    assert expected in email_for("InTransit", language, facts).text
    assert expected in email_for("InTransit", language, ALL_FACTS).text  # a datetime, shown as its date


def test_an_expected_delivery_that_is_not_iso_is_shown_as_given():
    facts = REQUIRED_FACTS.model_copy(update={"expected_delivery": "next Tuesday"})
    assert "Expected delivery: next Tuesday" in email_for("InTransit", "en", facts).text


def test_only_the_latest_place_is_shown_without_an_event():
    facts = REQUIRED_FACTS.model_copy(update={"latest_place": "Lyon, FR"})
    assert "Latest update: Lyon, FR\n" in email_for("InTransit", "en", facts).text


# --- language and occasion fallback --------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "resolved"),
    [
        ("de", "de"),
        ("DE", "de"),
        ("pt-BR", "pt"),
        ("zh_Hant", "zh"),
        ("zh-Hans", "zh"),
        ("fr-CA", "fr"),
        ("ko", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_the_language_is_the_exact_code_then_the_primary_subtag_then_english(requested, resolved):
    subject = CATALOG[resolved]["occasions"]["Delivered"]["subject"].format(brand_name="Trackline")
    assert email_for("Delivered", requested, REQUIRED_FACTS).subject == subject


def test_pending_uses_the_generic_update_text():
    assert email_for("Pending", "en", REQUIRED_FACTS) == email_for("update", "en", REQUIRED_FACTS)
    assert sms_for(Tag.PENDING, "de", REQUIRED_FACTS) == sms_for("update", "de", REQUIRED_FACTS)


def test_an_unknown_occasion_is_refused():
    with pytest.raises(ValueError, match="occasion"):
        email_for("Shipped", "en", REQUIRED_FACTS)
    with pytest.raises(ValueError, match="occasion"):
        sms_for("", "en", REQUIRED_FACTS)


def test_the_given_status_wins_over_the_tag_name():
    facts = REQUIRED_FACTS.model_copy(update={"tag": "Exception", "status": "Held for payment"})
    assert sms_for("Exception", "en", facts) == (
        "Trackline: there is a problem with your parcel 1Z999AA10123456784 (UPS): Held for payment."
    )
    without_status = REQUIRED_FACTS.model_copy(update={"tag": "Exception"})
    assert "Status: Problem bei der Zustellung" in email_for("Exception", "de", without_status).text


# --- facts ---------------------------------------------------------------------------------


def test_facts_are_one_line_and_blank_means_missing():
    facts = MessageFacts(
        tracking_number=" 123\n456 ", courier_name="UPS", tag="Delivered", latest_event="  ", tracking_link=""
    )
    assert facts.tracking_number == "123 456"
    assert facts.latest_event is None and facts.tracking_link is None


def test_facts_need_a_known_tag_and_a_tracking_number():
    with pytest.raises(ValidationError):
        MessageFacts(tracking_number="123", courier_name="UPS", tag="Shipped")
    with pytest.raises(ValidationError):
        MessageFacts(tracking_number=" ", courier_name="UPS", tag="Delivered")


def test_facts_are_frozen():
    with pytest.raises(ValidationError):
        REQUIRED_FACTS.tracking_number = "other"


# --- HTML safety ---------------------------------------------------------------------------


def test_every_fact_is_escaped_in_the_html():
    facts = MessageFacts(
        tracking_number="<script>alert(1)</script>",
        courier_name='"Quotes" & Co',
        tag="Exception",
        status="<b>bold</b>",
        latest_event="<img src=x onerror=alert(1)>",
        latest_place="<i>Paris</i>",
        expected_delivery="<soon>",
        tracking_link='https://example.com/t?a=1&b="x"><script>',
        brand_name="<Brand>",
    )
    html = email_for("Exception", "en", facts).html
    for raw in ("<script>", "<b>", "<img", "<i>", "<soon>", "<Brand>", '"Quotes"'):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot;Quotes&quot; &amp; Co" in html
    assert 'href="https://example.com/t?a=1&amp;b=&quot;x&quot;&gt;&lt;script&gt;"' in html
    # The plain text and the SMS are not HTML: they carry the facts as they are.
    assert "<script>alert(1)</script>" in email_for("Exception", "en", facts).text


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://example.com/t", "example.com/t/1"]
)
def test_a_link_that_is_not_http_is_never_made_clickable(link):
    facts = REQUIRED_FACTS.model_copy(update={"tracking_link": link})
    email = email_for("InTransit", "en", facts)
    assert "href" not in email.html
    assert "<b>" not in email.html
    assert f"Track your parcel: {link}" in email.text


@pytest.mark.parametrize("link", ["http://example.com/t/1", "HTTPS://example.com/t/1"])
def test_an_http_link_becomes_the_button(link):
    facts = REQUIRED_FACTS.model_copy(update={"tracking_link": link})
    assert f'href="{link}"' in email_for("InTransit", "en", facts).html


def test_the_html_is_a_mobile_friendly_document_in_the_message_language():
    html = email_for("Delivered", "fr-CA", ALL_FACTS).html
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in html
    assert 'name="viewport"' in html
    assert "max-width:600px" in html
    assert "<style" not in html  # inline styles only


# --- SMS -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "de", "fr"])
@pytest.mark.parametrize("occasion", ALL_OCCASIONS)
def test_an_sms_fits_one_message_and_keeps_the_whole_link(language, occasion):
    facts = ALL_FACTS.model_copy(update={"latest_event": LONG_EVENT})
    sms = sms_for(occasion, language, facts)
    assert len(sms) <= 160, sms
    assert sms.endswith(LINK)
    assert LONG_EVENT not in sms
    assert "…" not in sms  # outside GSM-7, it would shrink the message to 70 characters


def test_a_long_latest_event_is_shortened_at_a_word():
    facts = REQUIRED_FACTS.model_copy(update={"latest_event": LONG_EVENT, "tracking_link": LINK})
    sms = sms_for("InTransit", "en", facts)
    assert len(sms) <= 160
    latest = next(line for line in sms.splitlines() if line.startswith("Latest: "))
    shortened = latest.removeprefix("Latest: ").removesuffix("...")
    assert latest.endswith("...") and LONG_EVENT.startswith(shortened)
    assert LONG_EVENT[len(shortened)] == " "


def test_a_short_sms_keeps_every_detail():
    facts = REQUIRED_FACTS.model_copy(
        update={
            "latest_event": "Arrival scan",
            "expected_delivery": "2026-03-05",
            "tracking_link": "https://t.example/1",
        }
    )
    assert sms_for("InTransit", "en", facts) == (
        "Trackline: your parcel 1Z999AA10123456784 is on its way with UPS.\n"
        "Expected: 5 March 2026\n"
        "Latest: Arrival scan\n"
        "https://t.example/1"
    )
