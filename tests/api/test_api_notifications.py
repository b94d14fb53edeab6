"""Notification receivers in both forms, through the official SDK's typed responses."""

import pytest
from tracking.exceptions import BadRequestError
from tracking.models import Notification, NotificationRequestV1

pytestmark = pytest.mark.api


def test_get_in_both_forms_returns_the_customer_receivers(client, create, sandbox_number):
    number = sandbox_number()
    created = create(tracking_number=number, slug="sandbox", emails=["a@example.com"], smses=["+85291234567"])

    by_id = client.notification.get_notification_by_tracking_id(created.id)
    by_number = client.notification.get_notification_by_slug_tracking_number("sandbox", number)

    assert isinstance(by_id, Notification)
    assert by_id == by_number == Notification(emails=["a@example.com"], smses=["+85291234567"])


def test_a_tracking_without_receivers_has_empty_lists(client, create, new_number):
    created = create(tracking_number=new_number())
    assert client.notification.get_notification_by_tracking_id(created.id) == Notification(emails=[], smses=[])


def test_add_by_id_with_the_model_returns_the_whole_lists(client, create, new_number):
    created = create(tracking_number=new_number(), emails=["a@example.com"])

    added = client.notification.add_notification_by_tracking_id(
        created.id, NotificationRequestV1(emails=["b@example.com"], smses=["+85291234567"]))

    assert isinstance(added, Notification)
    assert added.emails == ["a@example.com", "b@example.com"], "the whole list, not the delta"
    assert added.smses == ["+85291234567"]
    fetched = client.tracking.get_tracking_by_id(created.id)
    assert (fetched.emails, fetched.smses) == (added.emails, added.smses)


def test_add_by_slug_and_number_with_a_dict_ignores_receivers_already_there(client, create, sandbox_number):
    number = sandbox_number()
    create(tracking_number=number, slug="sandbox", emails=["a@example.com"], tracking_postal_code="10001")

    added = client.notification.add_notification_by_slug_tracking_number(
        "sandbox", number, {"emails": "A@example.com,c@example.com"}, tracking_postal_code="10001")

    assert added == Notification(emails=["a@example.com", "c@example.com"], smses=[])
    assert client.notification.get_notification_by_slug_tracking_number(
        "sandbox", number, tracking_postal_code="10001") == added


def test_remove_is_case_insensitive_for_emails_and_returns_what_is_left(client, create, sandbox_number):
    number = sandbox_number()
    created = create(tracking_number=number, slug="sandbox", emails=["Ann@Example.com", "bob@example.com"],
                     smses=["+85291234567", "+14155550100"])

    left = client.notification.delete_notification_by_tracking_id(
        created.id, NotificationRequestV1(emails=["ann@example.COM"], smses=["+14155550100"]))

    assert isinstance(left, Notification)
    assert left == Notification(emails=["bob@example.com"], smses=["+85291234567"])

    left = client.notification.delete_notification_by_slug_tracking_number(
        "sandbox", number, {"emails": ["BOB@EXAMPLE.COM", "nobody@example.com"]})
    assert left == Notification(emails=[], smses=["+85291234567"])
    assert client.notification.get_notification_by_tracking_id(created.id) == left
    assert client.tracking.get_tracking_by_id(created.id).emails == []


def test_refused_receivers_change_nothing(bad_request, client, create, new_number):
    created = create(tracking_number=new_number(), emails=["a@example.com", "b@example.com"])
    before = client.notification.get_notification_by_tracking_id(created.id)

    with pytest.raises(BadRequestError) as excinfo:
        client.notification.add_notification_by_tracking_id(created.id, {"emails": ["not-an-email"]})
    assert "emails" in bad_request(excinfo, 4008).message
    with pytest.raises(BadRequestError) as excinfo:
        client.notification.add_notification_by_tracking_id(
            created.id, NotificationRequestV1(emails=["c@example.com", "d@example.com"]))
    assert "emails" in bad_request(excinfo, 4008).message, "at most 3 emails"
    with pytest.raises(BadRequestError) as excinfo:
        client.notification.add_notification_by_tracking_id(created.id, {"smses": ["555-1234"]})
    assert "smses" in bad_request(excinfo, 4008).message

    assert client.notification.get_notification_by_tracking_id(created.id) == before


def test_invalid_receivers_are_refused_by_name_everywhere_and_store_nothing(bad_request, client, create, new_number):
    number = new_number()
    for field, value in (("emails", ["ann@"]), ("smses", ["call me maybe"])):
        with pytest.raises(BadRequestError) as excinfo:
            client.tracking.create_tracking({"tracking_number": number, field: value})
        assert field in bad_request(excinfo, 4008).message
    assert client.tracking.get_trackings(keyword=number).pagination.total == 0

    created = create(tracking_number=new_number(), emails=["a@example.com"], smses=["+85291234567"])
    before = client.tracking.get_tracking_by_id(created.id)
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.update_tracking_by_id(created.id, {"title": "changed", "smses": ["+1"]})
    assert "smses" in bad_request(excinfo, 4008).message
    with pytest.raises(BadRequestError) as excinfo:
        client.notification.delete_notification_by_tracking_id(created.id, {"emails": ["not an email"]})
    assert "emails" in bad_request(excinfo, 4008).message
    with pytest.raises(BadRequestError) as excinfo:
        client.notification.delete_notification_by_tracking_id(created.id, {"smses": ["12"]})
    assert "smses" in bad_request(excinfo, 4008).message
    after = client.tracking.get_tracking_by_id(created.id)
    assert (after.title, after.emails, after.smses) == (before.title, before.emails, before.smses)


def test_notifications_of_an_unknown_or_malformed_tracking(bad_request, client, new_number):
    calls = [
        lambda: client.notification.get_notification_by_tracking_id("abcdefghijklmnopqrstuvwx"),
        lambda: client.notification.add_notification_by_tracking_id(
            "abcdefghijklmnopqrstuvwx", {"emails": ["a@example.com"]}),
        lambda: client.notification.delete_notification_by_tracking_id(
            "abcdefghijklmnopqrstuvwx", {"emails": ["a@example.com"]}),
        lambda: client.notification.get_notification_by_slug_tracking_number("ups", new_number()),
        lambda: client.notification.add_notification_by_slug_tracking_number(
            "ups", new_number(), NotificationRequestV1(emails=["a@example.com"])),
        lambda: client.notification.delete_notification_by_slug_tracking_number(
            "ups", new_number(), NotificationRequestV1(emails=["a@example.com"])),
    ]
    for call in calls:
        with pytest.raises(BadRequestError) as excinfo:
            call()
        bad_request(excinfo, 4004, 404)
    with pytest.raises(BadRequestError) as excinfo:
        client.notification.get_notification_by_tracking_id("Not-An-Id")
    bad_request(excinfo, 4015)
