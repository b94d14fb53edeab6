"""The tracking page function against the table in moto: links on every tracking, the page and
its headers, 304s, the 404 page for every token that does not open a tracking, never a 500."""

import re
from unittest import mock

import pytest
from botocore.exceptions import ClientError

from tests.conftest import reset_cached_clients
from tests.support.handlers import LambdaContext, http_event, load_handler
from trackline.models.refs import TrackingById
from trackline.models.tracking import Checkpoint

BASE = "https://track.shop.example"
PAGE_LINK = re.compile(re.escape(BASE) + r"/t/([a-z0-9]{56})")


@pytest.fixture
def page(table, monkeypatch):
    monkeypatch.setenv("TRACKING_PAGE_BASE_URL", BASE)
    monkeypatch.setenv("BRAND_NAME", "Maple & Co")
    reset_cached_clients()
    handler = load_handler("tracking_page", "tracking_page_handler")

    def get(token, headers=None, path_parameters=True):
        event = http_event("GET", f"/t/{token}", headers={"accept": "text/html", **(headers or {})})
        if path_parameters:
            event["pathParameters"] = {"token": token}
        return handler(event, LambdaContext())

    return get


@pytest.fixture
def tracking(api, page):
    return api.create(tracking_number="1Z5R89390357567127", slug="ups", customer_name="Jane Roe", emails=["jane@example.com"])


def _token(tracking) -> str:
    return PAGE_LINK.fullmatch(tracking["aftership_tracking_url"])[1]


def test_every_tracking_carries_its_page_link_and_never_the_bare_secret(api, tracking):
    assert tracking["aftership_tracking_url"].startswith(f"{BASE}/t/{tracking['id']}")
    assert "tracking_page_secret" not in tracking
    again = api.get(f"/trackings/{tracking['id']}").data["tracking"]
    listed = api.get("/trackings").data["trackings"][0]
    assert again["aftership_tracking_url"] == listed["aftership_tracking_url"] == tracking["aftership_tracking_url"]


def test_the_page_is_served_with_strict_headers_and_short_public_caching(tracking, page):
    response = page(_token(tracking))
    headers = response["headers"]
    assert response["statusCode"] == 200 and "1Z5R89390357567127" in response["body"]
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "public, max-age=60" and headers["Vary"] == "Accept-Language"
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"
    policy = headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-") and "img-src 'none'" in policy
    assert "script" not in policy and "unsafe" not in policy
    assert "<script" not in response["body"] and " style=" not in response["body"]
    assert "Jane Roe" not in response["body"] and "jane@example.com" not in response["body"]


def test_a_current_copy_gets_304_until_the_tracking_changes(api, tracking, page):
    first = page(_token(tracking))
    etag = first["headers"]["ETag"]
    unchanged = page(_token(tracking), {"if-none-match": f'W/{etag}, "other"'})
    assert unchanged["statusCode"] == 304 and unchanged["body"] == "" and unchanged["headers"]["ETag"] == etag
    assert page(_token(tracking), {"if-none-match": etag, "accept-language": "de"})["statusCode"] == 200  # another language
    api.put(f"/trackings/{tracking['id']}", {"tracking": {"note": "a change"}})
    changed = page(_token(tracking), {"if-none-match": etag})
    assert changed["statusCode"] == 200 and changed["headers"]["ETag"] != etag


@pytest.mark.parametrize(
    "token",
    ["", "nope", "x" * 56, "<script>alert(1)</script>", "é" * 60, "a" * 100_000, "%00", "../../etc/passwd"],
)
def test_every_token_that_opens_no_tracking_gets_the_friendly_404_page(page, token):
    response = page(token)
    assert response["statusCode"] == 404 and response["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert response["headers"]["Cache-Control"] == "no-store"
    assert "Tracking link not found" in response["body"] and "<script>" not in response["body"]


def test_a_wrong_secret_or_a_missing_path_parameter_is_a_404_too(tracking, page):
    token = _token(tracking)
    wrong = token[:24] + ("0" if token[24] != "0" else "1") + token[25:]
    assert page(wrong)["statusCode"] == 404
    assert page(token, path_parameters=False)["statusCode"] == 404
    assert "Sendungslink nicht gefunden" in page(wrong, {"accept-language": "de-AT,de;q=0.9"})["body"]


def test_a_failing_store_gives_a_page_that_asks_to_retry_never_a_traceback(tracking, page):
    from trackline.repository.trackings import TrackingRepository

    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "Query")
    with mock.patch.object(TrackingRepository, "get", side_effect=throttled):
        busy = page(_token(tracking))
    with mock.patch.object(TrackingRepository, "get", side_effect=RuntimeError("bug")):
        broken = page(_token(tracking))
    assert (busy["statusCode"], busy["headers"]["Retry-After"]) == (503, "5")
    assert broken["statusCode"] == 500 and "Tracking is busy right now" in broken["body"]


def _make_legacy(tracking_id: str):
    """The tracking as stored before tracking pages existed: no secret, no link."""
    from trackline.services.trackings import TrackingService

    repository = TrackingService()._repository
    stored = repository.get(tracking_id)
    legacy = stored.model_copy(update={"tracking_page_secret": None, "aftership_tracking_url": None, "version": stored.version + 1})
    repository.save(legacy, expected_version=stored.version, previous=stored)
    return legacy


def test_a_tracking_stored_before_tracking_pages_gets_its_link_when_first_read(api, tracking, page):
    _make_legacy(tracking["id"])

    read = api.get(f"/trackings/{tracking['id']}").data["tracking"]
    assert PAGE_LINK.fullmatch(read["aftership_tracking_url"]) and read["aftership_tracking_url"] != tracking["aftership_tracking_url"]
    assert read["updated_at"] == tracking["updated_at"]
    assert page(_token(read))["statusCode"] == 200
    assert api.get(f"/trackings/{tracking['id']}").data["tracking"]["aftership_tracking_url"] == read["aftership_tracking_url"]


def test_a_write_to_a_tracking_without_a_link_gives_it_one_in_the_same_write(tracking, page):
    from trackline.services.trackings import TrackingService

    legacy = _make_legacy(tracking["id"])
    changed = TrackingService().change(TrackingById(tracking["id"]), lambda record: setattr(record, "note", "hello"))
    assert changed.version == legacy.version + 1 and PAGE_LINK.fullmatch(changed.aftership_tracking_url)
    assert page(_token(changed.model_dump()))["statusCode"] == 200


def test_writes_keep_the_link_and_customer_messages_point_to_the_page(tracking, page):
    from trackline.services.customer_notifications import facts_for
    from trackline.services.trackings import TrackingService

    def arrive(record):
        record.checkpoints.append(Checkpoint(checkpoint_time="2024-05-01T10:00:00Z", message="Arrived", tag="InTransit", slug="ups"))
        record.tag = "InTransit"

    changed = TrackingService().change(TrackingById(tracking["id"]), arrive)
    assert changed.aftership_tracking_url == tracking["aftership_tracking_url"]
    assert facts_for(changed, "Maple & Co").tracking_link == tracking["aftership_tracking_url"]
    legacy = changed.model_copy(update={"aftership_tracking_url": None})
    assert facts_for(legacy, "Maple & Co").tracking_link == changed.courier_tracking_link
    assert "Arrived" in page(_token(tracking))["body"]


def test_without_a_configured_base_the_link_names_the_api_the_request_came_through(api, table, monkeypatch):
    monkeypatch.delenv("TRACKING_PAGE_BASE_URL", raising=False)
    reset_cached_clients()
    created = api.create(tracking_number="1Z5R89390357567127", slug="ups")
    assert re.fullmatch(r"https://127\.0\.0\.1/t/[a-z0-9]{56}", created["aftership_tracking_url"])
