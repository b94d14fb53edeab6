"""pydantic's complaints become the contract's codes, with the field named."""

import pytest
from pydantic import ValidationError

from trackline.api.errors import domain_error_from_validation
from trackline.models.requests import CreateTrackingBody, ListTrackingsQuery, MarkCompletedBody, NotificationBody


def mapped(model, data, source="body"):
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    errors = [{**error, "loc": (source, *error["loc"])} for error in caught.value.errors()]
    return domain_error_from_validation(errors)


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        ([], 4006, "tracking object is required."),
        ({"tracking": None}, 4006, "tracking object is required."),
        ({"tracking": {}}, 4007, "tracking_number is required."),
        ({"tracking": {"tracking_number": "a b"}}, 4005, "The value of tracking_number is invalid."),
        ({"tracking": {"tracking_number": "TL123456", "emails": ["x"]}}, 4008, "The value of emails is invalid."),
        ({"tracking": {"tracking_number": "TL123456", "next_couriers": [{"slug": "ups"}]}}, 4009, "next_couriers[0].tracking_number is required."),
        ({"tracking": {"tracking_number": "TL123456", "custom_fields": {"k": 5}}}, 4008, "The value of custom_fields is invalid."),
    ],
)
def test_create_body_errors(data, code, message):
    error = mapped(CreateTrackingBody, data)
    assert error.meta_code == code
    assert error.message.startswith(message)


def test_the_specific_code_wins_over_generic_ones():
    error = mapped(CreateTrackingBody, {"tracking": {"tracking_number": "a/b", "title": 1}})
    assert error.meta_code == 4005


def test_nested_errors_name_the_top_level_field_and_the_path():
    error = mapped(CreateTrackingBody, {"tracking": {"tracking_number": "TL123456", "next_couriers": [{"slug": "ups", "tracking_number": "a b"}]}})
    assert error.meta_code == 4008 and error.field == "next_couriers"


def test_notification_and_reason_wrappers():
    assert mapped(NotificationBody, {"emails": []}).meta_code == 4014
    assert mapped(MarkCompletedBody, {}).message == "reason is required."
    assert mapped(MarkCompletedBody, {"reason": "STOLEN"}).meta_code == 4008


def test_query_errors_name_the_parameter():
    error = mapped(ListTrackingsQuery, {"limit": "500"}, source="query")
    assert (error.meta_code, error.field) == (4008, "limit")


def test_invalid_json_is_4001():
    assert domain_error_from_validation([{"type": "json_invalid", "loc": ("body", 0), "msg": "x"}]).meta_code == 4001
