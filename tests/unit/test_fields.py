"""Field rules of the request models."""

import pytest
from pydantic import ValidationError

from trackline.models.requests import CreateTracking, ListTrackingsQuery, UpdateTracking


def create(**fields):
    return CreateTracking(tracking_number="TL123456", **fields)


@pytest.mark.parametrize("number", ["ab12", "1Z5R89390357567127", "RA123456789US", "A-B.C_D", "x" * 100])
def test_valid_tracking_numbers_are_kept_upper_case(number):
    assert CreateTracking(tracking_number=f"  {number} ").tracking_number == number.upper()


@pytest.mark.parametrize("number", ["abc", "x" * 101, "AB/12", "AB 12", "ÄB1234", "-AB123", "AB123-", "AB\x001234", ""])
def test_invalid_tracking_numbers(number):
    with pytest.raises(ValidationError):
        CreateTracking(tracking_number=number)


def test_receivers_accept_lists_or_comma_strings_and_drop_duplicates():
    tracking = create(emails="a@example.com, A@example.com ,b@example.com", smses=["+1 (415) 555-0100"])
    assert tracking.emails == ["a@example.com", "b@example.com"]
    assert tracking.smses == ["+14155550100"]


@pytest.mark.parametrize(
    "fields",
    [
        {"emails": ["a@example.com"] * 0 + ["a@x.io", "b@x.io", "c@x.io", "d@x.io"]},
        {"emails": ["a@@example.com"]},
        {"smses": ["0044 20 7946 0000"]},
        {"smses": ["+0123456789"]},
        {"order_promised_delivery_date": "2024-02-30"},
        {"tracking_ship_date": "20241301"},
        {"order_date": "not a date"},
        {"language": "eng"},
        {"custom_fields": {"k" * 65: "v"}},
        {"custom_fields": {f"k{index}": "v" for index in range(51)}},
        {"shipment_tags": ["t"] * 51},
        {"title": 42},
        {"note": "x" * 2049},
        {"destination_country_iso3": "USAA"},
    ],
)
def test_invalid_values_are_refused(fields):
    with pytest.raises(ValidationError):
        create(**fields)


def test_valid_values_are_normalised():
    tracking = create(language="FR", destination_country_iso3="usa", order_date="2024-04-01T10:00:00Z", slug=" UPS ")
    assert (tracking.language, tracking.destination_country_iso3, tracking.slug) == ("fr", "USA", "ups")


def test_update_knows_what_was_sent():
    update = UpdateTracking.model_validate({"title": "x", "emails": []})
    assert update.model_dump(exclude_unset=True) == {"title": "x", "emails": []}


def test_list_window_is_bounded():
    with pytest.raises(ValidationError):
        ListTrackingsQuery(page=801, limit=200)
    assert ListTrackingsQuery(page=800, limit=200).page == 800
