"""Trackings by id, through the official SDK: create, get, list, update, delete, retrack and
mark-as-completed, each checked on the SDK's typed results."""

import re

import pytest
from tracking.exceptions import BadRequestError, ErrorCodeEnum
from tracking.models import (
    GetTrackingsResponse,
    MarkTrackingCompletedByIdRequest,
    Pagination,
    PartialDeleteTracking,
    PartialUpdateTracking,
    TagV1,
    Tracking,
    TrackingCreateTrackingRequest,
    TrackingUpdateTrackingByIdRequest,
)

pytestmark = pytest.mark.api

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
IDENTITY = {"id", "tracking_number", "slug"}


# -- create -------------------------------------------------------------------------------------


def test_create_with_the_request_model_returns_a_typed_pending_tracking(client, new_number):
    number = new_number()
    request = TrackingCreateTrackingRequest(
        tracking_number=number,
        title="Order #1001",
        order_id="ORD-1001",
        order_number="1001",
        customer_name="Ada Lovelace",
        note="leave at the door",
        emails=["ada@example.com"],
        smses=["+85291234567"],
        custom_fields={"store": "north"},
        order_promised_delivery_date="2024-05-01",
        destination_country_iso3="USA",
        shipment_tags=["fragile"],
    )

    created = client.tracking.create_tracking(request)

    assert isinstance(created, Tracking)
    assert re.fullmatch(r"[a-z0-9]{24}", created.id)
    assert created.tracking_number == number
    assert created.slug == "unrecognized", "TL numbers match no courier format"
    assert created.tag == TagV1.PENDING
    assert (created.subtag, created.subtag_message) == ("Pending_001", "Pending")
    assert created.active is True and created.return_to_sender is False
    assert (created.title, created.order_id, created.order_number) == ("Order #1001", "ORD-1001", "1001")
    assert (created.customer_name, created.note) == ("Ada Lovelace", "leave at the door")
    assert created.emails == ["ada@example.com"] and created.smses == ["+85291234567"]
    assert created.custom_fields == {"store": "north"}
    assert created.order_promised_delivery_date == "2024-05-01"
    assert created.destination_country_iso3 == "USA"
    assert created.shipment_tags == ["fragile"]
    assert created.checkpoints == [] and isinstance(created.checkpoints, list)
    for name in ("subscribed_emails", "subscribed_smses", "order_tags", "next_couriers"):
        assert getattr(created, name) == [], name
    assert ISO_UTC.match(created.created_at)
    assert created.updated_at == created.last_updated_at == created.created_at
    assert created.transit_time is None


def test_create_with_a_dict_normalises_the_number_and_defaults_the_title(client, new_number):
    number = new_number()
    created = client.tracking.create_tracking(
        {"tracking_number": f"  {number.lower()} ", "emails": "a@example.com,b@example.com"})

    assert created.tracking_number == number, "trimmed and upper-cased"
    assert created.title == number, "the title defaults to the tracking number"
    assert created.emails == ["a@example.com", "b@example.com"], "a comma string comes back as a list"
    assert created.smses == [] and created.custom_fields is None
    assert created.tag == TagV1.PENDING


def test_create_without_a_slug_detects_the_courier(client, ups_number):
    number = ups_number()
    created = client.tracking.create_tracking(TrackingCreateTrackingRequest(tracking_number=number))

    assert created.slug == "ups"
    assert number in (created.courier_tracking_link or "")
    assert created.tag == TagV1.PENDING and created.active is True


def test_create_with_the_sandbox_courier(client, sandbox_number):
    number = sandbox_number()
    created = client.tracking.create_tracking({"tracking_number": number, "slug": "sandbox"})
    assert (created.slug, created.tracking_number) == ("sandbox", number)


# -- get ----------------------------------------------------------------------------------------


def test_create_then_get_at_once_by_id_and_by_slug_and_number_reads_the_same_tracking(client, ups_number):
    number = ups_number()
    created = client.tracking.create_tracking({"tracking_number": number, "slug": "ups", "title": "RAW"})

    by_id = client.tracking.get_tracking_by_id(created.id)
    by_number = client.tracking.get_tracking_by_slug_tracking_number("ups", number)

    assert isinstance(by_id, Tracking) and isinstance(by_number, Tracking)
    assert by_id == created
    assert by_number == created


def test_get_by_id_with_fields_returns_those_fields_and_the_identity(client, create, new_number):
    created = create(tracking_number=new_number(), title="T", order_id="O-1", note="not asked for")

    partial = client.tracking.get_tracking_by_id(created.id, fields="title,order_id,tag")

    assert partial.model_fields_set == IDENTITY | {"title", "order_id", "tag"}
    assert (partial.id, partial.tracking_number, partial.slug) == (created.id, created.tracking_number, created.slug)
    assert (partial.title, partial.order_id, partial.tag) == ("T", "O-1", TagV1.PENDING)
    assert partial.note is None and partial.created_at is None


def test_get_by_id_with_additional_fields_in_fields(client, create, new_number):
    created = create(tracking_number=new_number(), tracking_postal_code="10001", tracking_ship_date="20240401")

    partial = client.tracking.get_tracking_by_id(
        created.id, fields="tracking_postal_code,tracking_ship_date,checkpoints")

    assert partial.model_fields_set == IDENTITY | {"tracking_postal_code", "tracking_ship_date", "checkpoints"}
    assert (partial.tracking_postal_code, partial.tracking_ship_date) == ("10001", "20240401")
    assert partial.checkpoints == []


def test_get_by_id_checks_fields_and_lang(bad_request, client, create, new_number):
    created = create(tracking_number=new_number())

    assert client.tracking.get_tracking_by_id(created.id, lang="fr") == created
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.get_tracking_by_id(created.id, fields="title,secret")
    assert "fields" in bad_request(excinfo, 4008).message
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.get_tracking_by_id(created.id, lang="xx")
    assert "lang" in bad_request(excinfo, 4008).message


# -- list ---------------------------------------------------------------------------------------


def test_list_pages_are_walked_with_page_and_limit(client, create, new_number, token):
    ids = {create(tracking_number=new_number(), title=f"{token} {index}").id for index in range(5)}

    first = client.tracking.get_trackings(keyword=token, limit=2, page=1)

    assert isinstance(first, GetTrackingsResponse) and isinstance(first.pagination, Pagination)
    assert (first.pagination.total, first.pagination.page, first.pagination.limit) == (5, 1, 2)
    assert len(first.trackings) == 2 and all(isinstance(t, Tracking) for t in first.trackings)

    seen, pages = [], []
    for page in (1, 2, 3):
        result = client.tracking.get_trackings(keyword=token, limit=2, page=page)
        assert (result.pagination.total, result.pagination.page, result.pagination.limit) == (5, page, 2)
        pages.append(len(result.trackings))
        seen += result.trackings
    assert pages == [2, 2, 1]
    assert {t.id for t in seen} == ids and len(seen) == 5, "every tracking exactly once"
    created_at = [t.created_at for t in seen]
    assert created_at == sorted(created_at, reverse=True), "newest first"

    beyond = client.tracking.get_trackings(keyword=token, limit=2, page=4)
    assert beyond.trackings == [] and beyond.pagination.total == 5


def test_list_defaults_to_page_one_of_up_to_one_hundred(client, create, new_number, token):
    created = create(tracking_number=new_number(), title=token)

    result = client.tracking.get_trackings(keyword=token)

    assert (result.pagination.total, result.pagination.page, result.pagination.limit) == (1, 1, 100)
    assert result.trackings == [created]


def test_list_filters_by_slug_tag_keyword_and_tracking_numbers(
        client, create, new_number, ups_number, sandbox_number, token):
    ups = create(tracking_number=ups_number(), slug="ups", title=f"{token} blue shoes",
                 custom_fields={"store": "north"})
    sandbox = create(tracking_number=sandbox_number(), slug="sandbox", title=f"{token} red hat",
                     order_id="ORD-9")
    plain = create(tracking_number=new_number(), title=f"{token} green scarf")
    client.tracking.mark_tracking_completed_by_id(sandbox.id, MarkTrackingCompletedByIdRequest(reason="DELIVERED"))

    def ids(**query):
        result = client.tracking.get_trackings(keyword=query.pop("keyword", token), **query)
        assert result.pagination.total == len(result.trackings)
        return {t.id for t in result.trackings}

    assert ids() == {ups.id, sandbox.id, plain.id}
    assert ids(slug="ups") == {ups.id}
    assert ids(slug="ups,sandbox") == {ups.id, sandbox.id}
    assert ids(tag="Delivered") == {sandbox.id}
    assert ids(tag="Pending") == {ups.id, plain.id}
    assert ids(keyword=f"{token.lower()} BLUE") == {ups.id}, "keyword is case-insensitive"
    assert ids(keyword="north", slug="ups", tracking_numbers=ups.tracking_number) == {ups.id}, \
        "keyword searches custom_fields"
    assert ids(order_id="ORD-9") == {sandbox.id}

    both = client.tracking.get_trackings(tracking_numbers=f"{ups.tracking_number},{plain.tracking_number},NOPE1234")
    assert {t.id for t in both.trackings} == {ups.id, plain.id} and both.pagination.total == 2

    delivered = client.tracking.get_trackings(keyword=token, tag="Delivered").trackings[0]
    assert delivered.tag == TagV1.DELIVERED and delivered.subtag == "Delivered_001"


def test_list_filters_by_time_window_countries_tags_and_return_to_sender(client, create, new_number, token):
    usa = create(tracking_number=new_number(), title=token, origin_country_iso3="HKG",
                 destination_country_iso3="USA", shipment_tags=["vip", "fragile"])
    gbr = create(tracking_number=new_number(), title=token, destination_country_iso3="GBR")
    client.tracking.mark_tracking_completed_by_id(gbr.id, {"reason": "RETURNED_TO_SENDER"})

    def ids(**query):
        return {t.id for t in client.tracking.get_trackings(keyword=token, **query).trackings}

    # the SDK percent-encodes ':' and '+' of the offsets
    assert ids(created_at_min="2000-01-01T00:00:00+08:00") == {usa.id, gbr.id}
    assert ids(created_at_max="2000-01-01T00:00:00+08:00") == set()
    assert ids(created_at_min="2000-01-01T00:00:00+00:00", created_at_max="2000-02-01T00:00:00+00:00") == set()
    assert ids(updated_at_min="2099-01-01T00:00:00+00:00") == set()
    assert ids(created_at_min="not a time") == {usa.id, gbr.id}, "2024-04 ignores an unparsable time"
    assert ids(destination="USA") == {usa.id}
    assert ids(destination="USA,GBR") == {usa.id, gbr.id}
    assert ids(origin="HKG") == {usa.id}
    assert ids(shipment_tags="fragile") == {usa.id}
    assert ids(return_to_sender="true") == {gbr.id}
    assert ids(return_to_sender="false") == {usa.id}


def test_list_with_fields_returns_typed_partial_trackings(client, create, new_number, token):
    created = create(tracking_number=new_number(), title=token, order_id="O-7", note="hidden")

    [only] = client.tracking.get_trackings(keyword=token, fields="title,tag").trackings

    assert only.model_fields_set == IDENTITY | {"title", "tag"}
    assert (only.id, only.title, only.tag, only.note) == (created.id, token, TagV1.PENDING, None)


def test_list_refuses_bad_query_values(bad_request, client):
    for query, name in (({"limit": 201}, "limit"), ({"tag": "Lost"}, "tag"), ({"page": 0}, "page")):
        with pytest.raises(BadRequestError) as excinfo:
            client.tracking.get_trackings(**query)
        assert name in bad_request(excinfo, 4008).message


# -- update -------------------------------------------------------------------------------------


def test_update_by_id_with_the_model_changes_only_what_is_sent(client, create, new_number):
    created = create(tracking_number=new_number(), title="Before", note="keep", order_id="O-1",
                     emails=["a@example.com"], custom_fields={"k": "v"})

    updated = client.tracking.update_tracking_by_id(
        created.id, TrackingUpdateTrackingByIdRequest(title="After", customer_name="Grace"))

    assert isinstance(updated, Tracking) and updated.id == created.id
    assert (updated.title, updated.customer_name) == ("After", "Grace")
    assert (updated.note, updated.order_id, updated.emails) == ("keep", "O-1", ["a@example.com"])
    assert updated.custom_fields == {"k": "v"}
    assert updated.created_at == created.created_at and updated.updated_at >= created.updated_at
    assert updated.last_updated_at == updated.updated_at
    assert client.tracking.get_tracking_by_id(created.id) == updated

    again = client.tracking.update_tracking_by_id(
        created.id, TrackingUpdateTrackingByIdRequest(order_id="O-2", custom_fields={}))
    assert (again.order_id, again.custom_fields, again.title) == ("O-2", {"k": "v"}, "After"), \
        "custom_fields {} is no change"


def test_update_by_id_with_a_dict_replaces_custom_fields_and_clears_with_empty_values(client, create, new_number):
    created = create(tracking_number=new_number(), note="old note", emails=["a@example.com"],
                     smses=["+85291234567"], custom_fields={"k": "v", "x": "y"})

    kept = client.tracking.update_tracking_by_id(created.id, {"custom_fields": {}})
    assert kept.custom_fields == {"k": "v", "x": "y"}, "an empty custom_fields object is no change"

    replaced = client.tracking.update_tracking_by_id(created.id, {"custom_fields": {"only": "this"}})
    assert replaced.custom_fields == {"only": "this"}

    cleared = client.tracking.update_tracking_by_id(created.id, {"note": "", "emails": [], "smses": []})
    assert cleared.note is None and cleared.emails == [] and cleared.smses == []
    assert cleared.custom_fields == {"only": "this"}
    assert client.tracking.get_tracking_by_id(created.id) == cleared


FREE_TEXT_FIELDS = ["customer_name", "order_id", "order_id_path", "note", "pickup_location", "pickup_note",
                    "order_number", "shipment_type", "origin_city", "destination_state", "shipping_method",
                    "tracking_account_number", "tracking_key"]


def test_an_empty_string_on_update_clears_a_free_text_field(client, create, new_number):
    created = create(tracking_number=new_number(), **{name: f"value of {name}" for name in FREE_TEXT_FIELDS})
    assert all(getattr(created, name) == f"value of {name}" for name in FREE_TEXT_FIELDS)

    cleared = client.tracking.update_tracking_by_id(created.id, {name: "" for name in FREE_TEXT_FIELDS})

    assert {name: getattr(cleared, name) for name in FREE_TEXT_FIELDS} == dict.fromkeys(FREE_TEXT_FIELDS)
    assert client.tracking.get_tracking_by_id(created.id) == cleared
    assert client.tracking.update_tracking_by_id(created.id, {"title": ""}).title == created.tracking_number, \
        "a cleared title falls back to the tracking number"


FORMATTED_FIELDS = {
    "order_promised_delivery_date": "2024-05-01",
    "order_date": "2024-04-01T00:00:00Z",
    "language": "fr",
    "delivery_type": "door_to_door",
    "tracking_ship_date": "20240401",
    "origin_country_iso3": "USA",
    "destination_country_iso3": "GBR",
    "tracking_origin_country": "USA",
    "tracking_destination_country": "GBR",
}


def test_an_empty_string_on_update_clears_a_formatted_field_too(bad_request, client, create, new_number):
    """README: `""` on update clears that field, also where a non-empty value must have a format."""
    created = create(tracking_number=new_number(), **FORMATTED_FIELDS)
    assert {name: getattr(created, name) for name in FORMATTED_FIELDS} == FORMATTED_FIELDS

    cleared = client.tracking.update_tracking_by_id(created.id, dict.fromkeys(FORMATTED_FIELDS, ""))

    assert {name: getattr(cleared, name) for name in FORMATTED_FIELDS} == dict.fromkeys(FORMATTED_FIELDS)
    assert client.tracking.get_tracking_by_id(created.id) == cleared
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.update_tracking_by_id(created.id, {"order_promised_delivery_date": "2024-13-01"})
    assert "order_promised_delivery_date" in bad_request(excinfo, 4008).message, \
        "a bad non-empty value is still refused"


def test_refused_update_changes_nothing(bad_request, client, create, new_number):
    created = create(tracking_number=new_number(), title="Before")

    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.update_tracking_by_id(created.id, {"title": "After", "emails": ["not-an-email"]})
    assert "emails" in bad_request(excinfo, 4008).message
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.update_tracking_by_id(created.id, TrackingUpdateTrackingByIdRequest(slug="no-such-courier"))
    bad_request(excinfo, 4010)

    assert client.tracking.get_tracking_by_id(created.id) == created


# -- delete -------------------------------------------------------------------------------------


def test_delete_by_id_returns_the_partial_tracking_and_frees_the_number(bad_request, client, create, new_number):
    number = new_number()
    created = create(tracking_number=number, tracking_postal_code="10001")

    deleted = client.tracking.delete_tracking_by_id(created.id)

    assert isinstance(deleted, PartialDeleteTracking)
    assert (deleted.id, deleted.tracking_number, deleted.slug) == (created.id, number, "unrecognized")
    assert deleted.tracking_postal_code == "10001"
    assert deleted.model_fields_set == set(PartialDeleteTracking.model_fields), \
        "id, tracking_number, slug and the 7 additional fields"
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.get_tracking_by_id(created.id)
    bad_request(excinfo, 4004, 404)
    again = create(tracking_number=number, tracking_postal_code="10001")
    assert again.id != created.id


# -- retrack and mark-as-completed --------------------------------------------------------------


def test_retrack_by_id_only_when_inactive_and_only_once(bad_request, client, create, new_number):
    created = create(tracking_number=new_number())

    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.retrack_tracking_by_id(created.id)
    error = bad_request(excinfo, 4013)
    assert error.code == str(ErrorCodeEnum.INACTIVE_RETRACK_NOT_ALLOWED)
    assert error.message == "Retrack is not allowed. You can only retrack an inactive tracking."

    completed = client.tracking.mark_tracking_completed_by_id(
        created.id, MarkTrackingCompletedByIdRequest(reason="LOST"))
    assert completed.active is False

    retracked = client.tracking.retrack_tracking_by_id(created.id)
    assert isinstance(retracked, PartialUpdateTracking)
    assert (retracked.id, retracked.tracking_number, retracked.slug) == \
        (created.id, created.tracking_number, created.slug)
    assert retracked.active is True
    assert retracked.model_fields_set == set(PartialUpdateTracking.model_fields)
    assert client.tracking.get_tracking_by_id(created.id).active is True

    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.retrack_tracking_by_id(created.id)
    bad_request(excinfo, 4013)  # active again: not allowed for that reason first

    client.tracking.mark_tracking_completed_by_id(created.id, {"reason": "DELIVERED"})
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.retrack_tracking_by_id(created.id)
    error = bad_request(excinfo, 4016)
    assert error.code == str(ErrorCodeEnum.RETRACK_ONCE_ALLOWED)
    assert error.message == "Retrack is not allowed. You can only retrack each shipment once."


COMPLETIONS = [
    ("DELIVERED", TagV1.DELIVERED, "Delivered_001", "Delivered", False),
    ("LOST", TagV1.EXCEPTION, "Exception_013", "Shipment lost", False),
    ("RETURNED_TO_SENDER", TagV1.EXCEPTION, "Exception_011", "Returned to sender", True),
]


@pytest.mark.parametrize(("reason", "tag", "subtag", "message", "returned"), COMPLETIONS)
def test_mark_as_completed_by_id_sets_the_status_of_its_reason(
        client, create, new_number, reason, tag, subtag, message, returned):
    created = create(tracking_number=new_number())

    completed = client.tracking.mark_tracking_completed_by_id(
        created.id, MarkTrackingCompletedByIdRequest(reason=reason))

    assert isinstance(completed, Tracking) and completed.id == created.id
    assert (completed.tag, completed.subtag, completed.subtag_message) == (tag, subtag, message)
    assert completed.active is False
    assert completed.return_to_sender is returned
    assert completed.updated_at >= created.updated_at
    assert client.tracking.get_tracking_by_id(created.id) == completed


def test_mark_as_completed_refuses_a_missing_or_unknown_reason(bad_request, client, create, new_number):
    created = create(tracking_number=new_number())

    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.mark_tracking_completed_by_id(created.id, {"reason": "STOLEN"})
    assert "reason" in bad_request(excinfo, 4008).message
    with pytest.raises(BadRequestError) as excinfo:
        client.tracking.mark_tracking_completed_by_id(created.id, MarkTrackingCompletedByIdRequest())
    assert bad_request(excinfo, 4009).message == "reason is required."

    assert client.tracking.get_tracking_by_id(created.id).tag == TagV1.PENDING

