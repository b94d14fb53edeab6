"""The tracking page's parts without AWS: links, language choice, stages, what the view shows."""

import json
from importlib.resources import files

import pytest

from trackline.models.enums import Tag
from trackline.models.tracking import Checkpoint, TrackingRecord
from trackline.tracking_page import links
from trackline.tracking_page.branding import Branding
from trackline.tracking_page.stages import STAGES, TAG_STANCES, Tone, progress_of
from trackline.tracking_page.view import MASK, page_view
from trackline.tracking_page.wording import choose_language, supported_languages, wording_for

TRACKING_ID = "abcdefghijklmnopqrstuvwx"


# -- links ----------------------------------------------------------------------------------


def test_a_token_is_the_id_and_a_long_random_secret():
    secrets_ = {links.new_secret() for _ in range(200)}
    assert len(secrets_) == 200 and all(len(secret) == links.SECRET_LENGTH >= 26 for secret in secrets_)
    secret = secrets_.pop()
    url = links.page_url("https://track.shop.example/", TRACKING_ID, secret)
    assert url == f"https://track.shop.example/t/{TRACKING_ID}{secret}"
    assert links.parse_token(url.rsplit("/", 1)[1]) == (TRACKING_ID, secret)


@pytest.mark.parametrize(
    "token",
    [None, "", "abc", TRACKING_ID, TRACKING_ID + "x" * 31, TRACKING_ID + "x" * 33, TRACKING_ID.upper() + "x" * 32,
     TRACKING_ID + "<script>" + "x" * 24, "x" * 10_000, TRACKING_ID + "é" * 32, "../" * 20],
)
def test_malformed_tokens_are_refused(token):
    assert links.parse_token(token) is None


def test_the_secret_must_match_exactly():
    secret = links.new_secret()
    assert links.secret_matches(secret, secret)
    assert not links.secret_matches(secret, secret[:-1] + ("a" if secret[-1] != "a" else "b"))
    assert not links.secret_matches(None, secret)


def test_a_link_is_given_once_and_renewed_when_the_base_changes():
    record = TrackingRecord(id=TRACKING_ID)
    assert links.give_page_link(record, None) and record.tracking_page_secret and record.aftership_tracking_url is None
    secret = record.tracking_page_secret
    assert links.give_page_link(record, "https://a.example")
    assert record.aftership_tracking_url == f"https://a.example/t/{TRACKING_ID}{secret}"
    assert not links.give_page_link(record, "https://a.example")
    assert links.give_page_link(record, "https://b.example") and record.tracking_page_secret == secret


@pytest.mark.parametrize(
    ("domain", "base"),
    [("abc123.execute-api.eu-west-1.amazonaws.com", "https://abc123.execute-api.eu-west-1.amazonaws.com"),
     ("api.shop.example", "https://api.shop.example"), ("evil.example/<x>", None), ("", None), (None, None)],
)
def test_without_a_configured_base_links_name_the_api_of_the_request(domain, base):
    assert links.base_url_of_request({"requestContext": {"domainName": domain}}) == base


# -- language -------------------------------------------------------------------------------


def test_page_wording_covers_every_language_of_the_customer_messages():
    page = json.loads(files("trackline.tracking_page").joinpath("data", "page.json").read_text(encoding="utf-8"))
    messages = json.loads(files("trackline.notifications").joinpath("data", "messages.json").read_text(encoding="utf-8"))
    assert set(page) == set(messages) == supported_languages()
    english = page["en"]
    for language, strings in page.items():
        assert set(strings["ui"]) == set(english["ui"]), language
        assert set(strings["summaries"]) == {tag.value for tag in Tag}, language
        assert all(value.strip() for value in [*strings["ui"].values(), *strings["summaries"].values()]), language
        wording = wording_for(language)
        assert "Maple" in wording.text("footer", brand_name="Maple") and "UPS" in wording.text("track_with", courier_name="UPS")


@pytest.mark.parametrize(
    ("requested", "tracking_language", "accept_language", "chosen"),
    [
        (None, None, None, "en"),
        (None, "de", "fr-FR,fr;q=0.9", "de"),  # the merchant knows the customer
        (None, "pt-BR", None, "pt"),
        (None, "xx", "fr-CH, fr;q=0.9, en;q=0.8", "fr"),
        (None, None, "en;q=0.2, ja;q=0.9, *;q=0.1", "ja"),
        (None, None, "zh-Hans-CN", "zh"),
        (None, None, "de;q=0, nl", "nl"),  # q=0: not this one
        (None, None, "tlh, i-klingon", "en"),
        (None, None, "de;q=abc, sv", "sv"),
        ("it", "de", "fr", "it"),  # the page's own ?lang= wins
        ("bogus", "de", None, "de"),
    ],
)
def test_the_language_follows_the_link_then_the_tracking_then_the_browser(requested, tracking_language, accept_language, chosen):
    assert choose_language(requested=requested, tracking_language=tracking_language, accept_language=accept_language) == chosen


# -- progress -------------------------------------------------------------------------------


def test_every_tag_has_a_place_on_the_progress_bar():
    assert set(TAG_STANCES) == set(Tag)
    assert [progress_of(tag, []).reached for tag in STAGES] == [1, 2, 3, 4]
    assert progress_of(Tag.PENDING, []).reached == 0 and progress_of(Tag.DELIVERED, []).tone == Tone.DONE


@pytest.mark.parametrize(
    ("tag", "history", "reached", "tone", "third_stage"),
    [
        (Tag.ATTEMPT_FAIL, [], 3, Tone.ATTENTION, Tag.ATTEMPT_FAIL),
        (Tag.AVAILABLE_FOR_PICKUP, [], 3, Tone.ATTENTION, Tag.AVAILABLE_FOR_PICKUP),
        (Tag.EXCEPTION, [Tag.INFO_RECEIVED, Tag.IN_TRANSIT, Tag.EXCEPTION], 2, Tone.PROBLEM, Tag.OUT_FOR_DELIVERY),
        (Tag.EXPIRED, [Tag.INFO_RECEIVED], 1, Tone.STALE, Tag.OUT_FOR_DELIVERY),
        (Tag.EXCEPTION, [], 0, Tone.PROBLEM, Tag.OUT_FOR_DELIVERY),
    ],
)
def test_the_tags_off_the_main_road_keep_the_progress_made(tag, history, reached, tone, third_stage):
    progress = progress_of(tag, history)
    assert (progress.reached, progress.tone, progress.labels[2]) == (reached, tone, third_stage)


# -- the view ------------------------------------------------------------------------------


def _record(**fields) -> TrackingRecord:
    return TrackingRecord(**{"id": TRACKING_ID, "tracking_number": "1Z5R89390357567127", "slug": "ups", "tag": "InTransit", **fields})


def test_the_timeline_is_newest_first_across_time_zones_and_legs():
    record = _record(
        checkpoints=[
            Checkpoint(checkpoint_time="2024-05-02T08:00:00+09:00", message="b", slug="ups"),  # 2024-05-01T23:00Z
            Checkpoint(checkpoint_time="2024-05-01T10:00:00-04:00", message="a", slug="ups"),  # 2024-05-01T14:00Z
            Checkpoint(checkpoint_time="2024-05-02T01:00:00+00:00", message="c", slug="usps"),
            Checkpoint(checkpoint_time="not a time", message="?", slug="ups"),
        ]
    )
    view = page_view(record)
    assert [entry.message for entry in view.timeline] == ["c", "b", "a", "?"]
    assert [entry.courier_name for entry in view.timeline] == ["USPS", None, None, None]
    assert [(courier.name, courier.link) for courier in view.other_couriers] == [("USPS", None)]  # no number known


def test_every_other_leg_is_named_with_its_own_link():
    record = _record(next_couriers=[{"slug": "usps", "tracking_number": "9400111201080805483016"}, {"slug": "ups"}],
                     checkpoints=[Checkpoint(checkpoint_time="2024-05-01T10:00:00Z", slug="fedex"), Checkpoint(slug="usps")])
    others = page_view(record).other_couriers
    assert [courier.name for courier in others] == ["USPS", "Fedex"]  # the catalog's names
    assert others[0].link.endswith("9400111201080805483016") and others[1].link is None


def test_the_view_keeps_city_and_country_and_masks_personal_values_in_carrier_text():
    record = _record(
        customer_name="Jane Roe",
        signed_by="J ROE",
        emails=["jane@example.com"],
        smses=["+4915112345678"],
        destination_postal_code="NW1 6XE",
        order_id="ORDER-1001",
        checkpoints=[
            Checkpoint(
                checkpoint_time="2024-05-01T10:00:00Z",
                message="Delivered to Jane Roe at NW1 6XE, signed J ROE; questions: help@carrier.example, +1 (555) 123-4567",
                city="London", state="Greater London", zip="NW1 6XE", location="221B Baker Street", country_iso3="GBR",
            )
        ],
    )
    entry = page_view(record).timeline[0]
    assert entry.place == "London, United Kingdom of Great Britain and Northern Ireland"
    assert entry.message == f"Delivered to {MASK} at {MASK}, signed {MASK}; questions: {MASK}, {MASK}"


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"expected_delivery": "2024-05-10"}, ("2024-05-10", None)),
        ({"aftership_estimated_delivery_date": {"estimated_delivery_date": "2024-05-11"}}, ("2024-05-11", None)),
        ({"aftership_estimated_delivery_date": {"estimated_delivery_date": "2024-05-11", "estimated_delivery_date_min": "2024-05-10",
                                                "estimated_delivery_date_max": "2024-05-13"}}, ("2024-05-10", "2024-05-13")),
        ({"expected_delivery": "2024-05-09", "aftership_estimated_delivery_date": {"estimated_delivery_date": "2024-05-11"}}, ("2024-05-09", None)),
        ({"custom_estimated_delivery_date": {"type": "SPECIFIC", "datetime": "2024-05-08"}, "expected_delivery": "2024-05-09"}, ("2024-05-08", None)),
        ({}, None),
    ],
)
def test_the_estimate_prefers_the_merchant_then_the_carrier_then_the_prediction(fields, shown):
    estimate = page_view(_record(**fields)).estimate
    assert (estimate and (estimate.first.raw, estimate.last and estimate.last.raw)) == shown


def test_a_delivered_parcel_shows_its_delivery_day_instead_of_an_estimate():
    record = _record(tag="Delivered", expected_delivery="2024-05-10",
                     checkpoints=[Checkpoint(checkpoint_time="2024-05-09T12:00:00", tag="Delivered", message="ok")])
    view = page_view(record)
    assert view.estimate is None and view.delivered.raw == "2024-05-09T12:00:00"


def test_only_web_links_of_couriers_are_kept():
    assert page_view(_record(courier_tracking_link="javascript:alert(1)")).courier.link is None
    assert page_view(_record(courier_tracking_link="https://www.ups.com/track?tracknum=1")).courier.link.startswith("https://")
    assert page_view(_record(slug="unrecognized")).courier is None


@pytest.mark.parametrize(
    ("color", "hex_color", "text", "link"),
    [("#FC0", "#ffcc00", "#1f2933", "#1f2933"), ("#0b3d91", "#0b3d91", "#ffffff", "#0b3d91")],
)
def test_the_brand_colour_keeps_text_readable(color, hex_color, text, link):
    branding = Branding("Shop", color)
    assert (branding.hex_color, branding.text_on_color, branding.link_color) == (hex_color, text, link)


def test_only_an_https_logo_on_a_plain_host_is_used():
    assert Branding("Shop", "#000", "https://cdn.shop.example:8443/a/logo.png").logo_origin == "https://cdn.shop.example:8443"
    assert Branding("Shop", "#000", "http://cdn.shop.example/logo.png").logo_origin is None
    assert Branding("Shop", "#000", None).logo_origin is None
