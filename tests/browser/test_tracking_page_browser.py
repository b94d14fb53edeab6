"""The tracking page in a real browser: Debian's Chromium, driven by playwright, against the
local stack (the real gateway and handlers). One tracking per tag, seeded with personal data
that must never show; a screenshot of every state lands in tests/artifacts/tracking_page/.

Chromium reaches nothing but 127.0.0.1: the brand logo is answered by the test itself, every
other outside request is refused (and would fail the test), and no host name resolves.
"""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PROJECT_ROOT, reset_cached_clients
from trackline.models.tracking import AftershipEstimatedDeliveryDate

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts" / "tracking_page"
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 320, "height": 568}
DESKTOP = {"width": 1280, "height": 900}
BRAND = {"BRAND_NAME": "Maple & Co", "BRAND_COLOR": "#0B7A75", "BRAND_LOGO_URL": "https://logo.maple.example/logo.png"}
BRAND_RGB = "rgb(11, 122, 117)"

# Personal data seeded on every tracking; none of it may reach the page.
PERSONAL = {
    "customer_name": "Jane Roe",
    "emails": ["jane.roe@example.com"],
    "smses": ["+4915112345678"],
    "order_id": "ORDER-1001",
    "order_number": "#1001-JR",
    "title": "Order 1001 for Jane",
    "note": "Leave at the back door",
    "destination_raw_location": "221B Baker Street, London NW1 6XE",
    "destination_postal_code": "NW1 6XE",
    "destination_state": "Greater London",
    "custom_fields": {"loyalty": "VIP-7731"},
}
NEVER_SHOWN = ("Jane Roe", "JANE ROE", "jane.roe@example.com", "+4915112345678", "4915112345678", "ORDER-1001",
               "#1001-JR", "Order 1001", "Leave at the back door", "221B Baker Street", "NW1 6XE", "Greater London",
               "VIP-7731", "Tennessee")

# A journey over two legs (UPS, then DHL), in three time zones; each tag's tracking has a prefix
# of it, plus the event that gave it its tag. Stored in a shuffled order: the page sorts.
JOURNEY = [
    ("2024-05-01T09:15:00-05:00", "InfoReceived", "Shipper created a label", "Memphis", "USA", "ups"),
    ("2024-05-01T21:40:00-04:00", "InTransit", "Departed from facility", "Louisville", "USA", "ups"),
    ("2024-05-03T06:05:00+02:00", "InTransit", "Arrived in the destination country", "Frankfurt", "DEU", "dhl"),
    ("2024-05-04T07:30:00+01:00", "OutForDelivery", "Out for delivery", "London", "GBR", "dhl"),
]
FINAL = {
    "AttemptFail": ("2024-05-04T15:02:00+01:00", "Delivery attempted: Jane Roe not at home, 221B Baker Street"),
    "AvailableForPickup": ("2024-05-04T17:45:00+01:00", "Held at access point; +44 20 7946 0958 for questions"),
    "Delivered": ("2024-05-04T12:11:00+01:00", "Delivered, signed by JANE ROE"),
    "Exception": ("2024-05-03T11:00:00+02:00", "Damaged in transit, contact jane.roe@example.com"),
}
STATES: dict[str, dict[str, Any]] = {
    "Pending": {"steps": 0, "reached": 0},
    "InfoReceived": {"steps": 1, "reached": 1},
    "InTransit": {"steps": 3, "reached": 2, "estimate": {"aftership_estimated_delivery_date": AftershipEstimatedDeliveryDate(
        estimated_delivery_date="2024-05-06", estimated_delivery_date_min="2024-05-05",
        estimated_delivery_date_max="2024-05-07", confidence_code=0.8)}, "shows": "Expected delivery"},
    "OutForDelivery": {"steps": 4, "reached": 3, "estimate": {"expected_delivery": "2024-05-04"}, "shows": "4 May 2024"},
    "AttemptFail": {"steps": 4, "reached": 3},
    "AvailableForPickup": {"steps": 4, "reached": 3},
    "Delivered": {"steps": 4, "reached": 4, "shows": "Delivered on"},
    "Exception": {"steps": 2, "reached": 2},
    "Expired": {"steps": 1, "reached": 1},
}
TAG_NAMES = {"Pending": "Pending", "InfoReceived": "Info received", "InTransit": "In transit",
             "OutForDelivery": "Out for delivery", "AttemptFail": "Delivery attempt failed",
             "AvailableForPickup": "Ready for pickup", "Delivered": "Delivered", "Exception": "Delivery problem",
             "Expired": "Tracking expired"}


def _ups_number(serial: int) -> str:
    """1Z + 6 shipper characters + 2-digit service + 7 digits + UPS's mod-10 check digit."""
    body = f"TLPG01{serial:09d}"
    values = [int(char) if char.isdigit() else (ord(char) - 3) % 10 for char in body]
    total = sum(value * (1 if index % 2 == 0 else 2) for index, value in enumerate(values))
    return f"1Z{body}{(10 - total % 10) % 10}"


def _png(width: int = 96, height: int = 32) -> bytes:
    """A small solid PNG: the merchant's logo, answered without any network."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes((250, 250, 250)) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def stack() -> Iterator[Any]:
    from trackline_local.stack import LocalStack

    reset_cached_clients()
    local = LocalStack(port=0, access_log=False, event_sources=False, environment=BRAND)
    local.start()
    try:
        yield local
    finally:
        local.stop()
        reset_cached_clients()


@pytest.fixture(scope="module")
def http(stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, trust_env=False, timeout=10.0,
                      headers={"as-api-key": stack.api_key}) as client:
        yield client


def _seed(http: httpx.Client, tag: str, number: str, **extra: Any) -> dict[str, Any]:
    """A tracking created through the API, then moved to `tag` the way a poll would write it."""
    from trackline.models.refs import TrackingById
    from trackline.models.tracking import Checkpoint
    from trackline.services.trackings import TrackingService

    created = http.post("/tracking/2024-04/trackings", json={"tracking": {
        "tracking_number": number, "slug": "ups", **PERSONAL, **extra.pop("create", {})}})
    assert created.status_code == 201, created.text
    tracking = created.json()["data"]["tracking"]
    state = STATES[tag]
    events = [*JOURNEY[: state["steps"]]]
    if tag in FINAL:
        time, message = FINAL[tag]
        events.append((time, tag, message, "London", "GBR", "dhl"))
    checkpoints = [
        Checkpoint(checkpoint_time=time, tag=event_tag, message=message, city=city, country_iso3=country, slug=slug,
                   state="Tennessee" if city == "Memphis" else None, zip="NW1 6XE" if city == "London" else None,
                   location="221B Baker Street" if city == "London" else None)
        for time, event_tag, message, city, country, slug in events
    ]
    shuffled = checkpoints[1::2] + checkpoints[0::2]

    def move(record):
        record.checkpoints = shuffled
        record.tag = tag
        record.signed_by = "JANE ROE"
        for name, value in {**state.get("estimate", {}), **extra}.items():
            setattr(record, name, value)

    TrackingService().change(TrackingById(tracking["id"]), move)
    times = sorted((checkpoint.checkpoint_time for checkpoint in checkpoints), key=datetime.fromisoformat, reverse=True)
    return {**tracking, "checkpoint_times": times, "slugs": {checkpoint.slug for checkpoint in checkpoints}}


@pytest.fixture(scope="module")
def trackings(stack, http) -> dict[str, dict[str, Any]]:
    numbers = iter(_ups_number(index) for index in range(100))
    seeded = {tag: _seed(http, tag, next(numbers)) for tag in STATES}
    seeded["German"] = _seed(http, "InTransit", next(numbers), create={"language": "de"})
    seeded["Markup"] = _seed(http, "InTransit", next(numbers), tracking_number='<b id="injected">1Z</b>&"\'',
                             checkpoints=[])
    return seeded


@pytest.fixture(scope="module")
def browser(stack) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    logo = _png()

    def route(request_route, request) -> None:
        if request.url.startswith(stack.base_url + "/"):
            request_route.continue_()
        elif request.url == BRAND["BRAND_LOGO_URL"]:
            request_route.fulfill(status=200, content_type="image/png", body=logo)
        else:
            outside.append(request.url)
            request_route.abort()

    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="trackline-chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, viewport=PHONE,
            device_scale_factor=2, is_mobile=True, has_touch=True)
        context.route("**/*", route)
        context.outside_requests = outside  # type: ignore[attr-defined]
        try:
            yield context
        finally:
            context.close()
    assert outside == [], f"the page asked for outside resources: {outside}"


def _open(browser, url: str, *, viewport=PHONE, accept_language: str | None = None):
    page = browser.new_page()
    page.set_viewport_size(viewport)
    if accept_language:
        page.set_extra_http_headers({"Accept-Language": accept_language})
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
    response = page.goto(url)
    return page, response, problems


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("tag", list(STATES))
def test_each_state_renders_on_a_phone_without_personal_data(browser, trackings, tag):
    tracking = trackings[tag]
    page, response, problems = _open(browser, tracking["aftership_tracking_url"])
    try:
        assert response.status == 200
        assert page.inner_text("h1") == TAG_NAMES[tag]
        assert page.locator(".progress li").count() == 4
        assert page.locator(".progress li.reached").count() == STATES[tag]["reached"]
        times = page.locator(".timeline time").evaluate_all("nodes => nodes.map(node => node.getAttribute('datetime'))")
        assert times == tracking["checkpoint_times"]  # newest first, every leg
        if STATES[tag].get("shows"):
            assert STATES[tag]["shows"] in page.inner_text(".facts")
        assert "Track on the UPS website" in page.inner_text(".facts")
        assert ("Also carried by" in page.inner_text(".facts")) == ("dhl" in tracking["slugs"])
        text, html = page.inner_text("body"), page.content()
        for value in NEVER_SHOWN:
            assert value not in text and value not in html, value
        # The stylesheet ran under the CSP (brand colour), the logo loaded, nothing overflows.
        assert page.eval_on_selector(".brand", "node => getComputedStyle(node).backgroundColor") == BRAND_RGB
        assert page.eval_on_selector(".brand img", "node => node.naturalWidth") > 0
        assert _fits_the_screen(page)
        assert float(page.eval_on_selector("h1", "node => parseFloat(getComputedStyle(node).fontSize)")) >= 20
        bars = page.locator(".progress li").evaluate_all("nodes => nodes.map(node => node.getBoundingClientRect().top)")
        assert len(set(bars)) == 1  # one row, even on a phone
        assert problems == []
        page.screenshot(path=str(ARTIFACTS / f"{tag}.png"), full_page=True)
    finally:
        page.close()


def test_markup_in_a_tracking_number_is_shown_as_text(browser, trackings):
    page, response, problems = _open(browser, trackings["Markup"]["aftership_tracking_url"])
    try:
        assert response.status == 200
        assert page.inner_text(".number strong") == '<b id="injected">1Z</b>&"\''
        assert page.locator("#injected").count() == 0 and problems == []
    finally:
        page.close()


def test_the_tracking_language_wins_then_the_browser_language(browser, trackings):
    german, _, _ = _open(browser, trackings["German"]["aftership_tracking_url"], accept_language="fr-FR,fr;q=0.9")
    french, _, _ = _open(browser, trackings["InTransit"]["aftership_tracking_url"], accept_language="fr-FR,fr;q=0.9")
    try:
        assert german.inner_text("h1") == "Unterwegs" and german.get_attribute("html", "lang") == "de"
        assert "Sendungsverlauf" in german.inner_text(".timeline h2")
        assert french.inner_text("h1") == "En transit" and french.get_attribute("html", "lang") == "fr"
        assert "5 mai 2024 – 7 mai 2024" in french.inner_text(".facts")
        german.screenshot(path=str(ARTIFACTS / "InTransit-de.png"), full_page=True)
        french.screenshot(path=str(ARTIFACTS / "InTransit-fr.png"), full_page=True)
    finally:
        german.close()
        french.close()


@pytest.mark.parametrize("screen", ["small-phone", "desktop"])
def test_the_page_fits_small_and_wide_screens(browser, trackings, screen):
    viewport = {"small-phone": SMALL_PHONE, "desktop": DESKTOP}[screen]
    page, response, _ = _open(browser, trackings["AttemptFail"]["aftership_tracking_url"], viewport=viewport)
    try:
        assert response.status == 200 and _fits_the_screen(page)
        assert page.eval_on_selector("main", "node => node.getBoundingClientRect().width") <= min(41 * 16, viewport["width"])
        page.screenshot(path=str(ARTIFACTS / f"AttemptFail-{screen}.png"), full_page=True)
    finally:
        page.close()


def _wrong_secret(url: str) -> str:
    return url[:-1] + ("0" if url[-1] != "0" else "1")


@pytest.mark.parametrize("kind", ["malformed", "unknown", "wrong secret"])
def test_an_unknown_link_gets_a_friendly_404_page(browser, stack, trackings, kind):
    url = {
        "malformed": f"{stack.base_url}/t/not-a-token",
        "unknown": f"{stack.base_url}/t/{'a' * 56}",
        "wrong secret": _wrong_secret(trackings["Delivered"]["aftership_tracking_url"]),
    }[kind]
    page, response, problems = _open(browser, url, accept_language="en-GB")
    try:
        assert response.status == 404 and response.headers["content-type"] == "text/html; charset=utf-8"
        assert page.inner_text("h1") == "Tracking link not found"
        # Chromium reports the 404 of the document itself; nothing else may go wrong.
        assert [problem for problem in problems if "status of 404" not in problem] == []
        assert page.eval_on_selector(".brand", "node => getComputedStyle(node).backgroundColor") == BRAND_RGB
        assert _fits_the_screen(page)
        page.screenshot(path=str(ARTIFACTS / "not-found.png"), full_page=True)
    finally:
        page.close()


def test_the_browser_revalidates_with_the_etag(browser, trackings):
    page, first, _ = _open(browser, trackings["InTransit"]["aftership_tracking_url"])
    try:
        etag = first.headers["etag"]
        again = page.request.get(trackings["InTransit"]["aftership_tracking_url"], headers={"If-None-Match": etag})
        assert first.headers["cache-control"] == "public, max-age=60" and again.status == 304
    finally:
        page.close()
