"""Every trackings endpoint through the real handler, against the template's table in moto."""

import re
import uuid

import pytest

UPS_NUMBER = "1Z5R89390357567127"
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")


def fresh_number() -> str:
    return "TL" + uuid.uuid4().hex[:14].upper()


def test_create_returns_201_with_a_complete_pending_tracking(api):
    number = fresh_number()
    reply = api.post("/trackings", {"tracking": {"tracking_number": number, "title": "Order 1", "emails": "a@example.com"}})
    assert reply.status == 201 and reply.code == 201
    tracking = reply.data["tracking"]
    assert re.fullmatch(r"[a-z0-9]{24}", tracking["id"])
    assert tracking["tracking_number"] == number
    assert (tracking["tag"], tracking["subtag"], tracking["subtag_message"]) == ("Pending", "Pending_001", "Pending")
    assert tracking["active"] is True and tracking["title"] == "Order 1"
    assert tracking["emails"] == ["a@example.com"] and tracking["smses"] == []
    assert ISO_UTC.match(tracking["created_at"]) and tracking["updated_at"] == tracking["created_at"]
    assert tracking["checkpoints"] == [] and "version" not in tracking and "expire_at" not in tracking
    assert reply.headers["as-api-version"] == "2024-04"


def test_title_defaults_to_the_number_and_numbers_are_upper_cased(api):
    tracking = api.create(tracking_number="  tl-abc-123 ")
    assert tracking["tracking_number"] == "TL-ABC-123" and tracking["title"] == "TL-ABC-123"


def test_create_with_a_slug_fills_the_courier_link(api):
    tracking = api.create(tracking_number=UPS_NUMBER, slug="ups")
    assert tracking["slug"] == "ups"
    assert UPS_NUMBER in (tracking["courier_tracking_link"] or "")


def test_duplicate_create_is_refused_with_4003(api):
    api.create(tracking_number=UPS_NUMBER, slug="ups")
    reply = api.post("/trackings", {"tracking": {"tracking_number": UPS_NUMBER, "slug": "ups"}})
    assert (reply.status, reply.code, reply.body["meta"]["type"]) == (400, 4003, "BadRequest")
    assert reply.body["meta"]["message"] == "Tracking already exists."


def test_same_number_with_other_additional_fields_is_another_tracking(api):
    first = api.create(tracking_number=UPS_NUMBER, slug="ups", tracking_postal_code="10001")
    second = api.create(tracking_number=UPS_NUMBER, slug="ups", tracking_postal_code="94105")
    assert first["id"] != second["id"]
    reply = api.get(f"/trackings/ups/{UPS_NUMBER}?tracking_postal_code=94105")
    assert reply.data["tracking"]["id"] == second["id"]


@pytest.mark.parametrize(
    ("body", "code", "message_part"),
    [
        ("{not json", 4001, "Invalid JSON"),
        ("", 4006, "tracking object is required"),
        ("[]", 4006, "tracking object is required"),
        ('{"tracking": "x"}', 4006, "tracking object is required"),
        ({"title": "no wrapper"}, 4006, "tracking object is required"),
        ({"tracking": {}}, 4007, "tracking_number is required"),
        ({"tracking": {"tracking_number": "AB/1234"}}, 4005, "tracking_number"),
        ({"tracking": {"tracking_number": "AB 1234"}}, 4005, "tracking_number"),
        ({"tracking": {"tracking_number": "ÅBC1234"}}, 4005, "tracking_number"),
        ({"tracking": {"tracking_number": "X" * 101}}, 4005, "tracking_number"),
        ({"tracking": {"tracking_number": 12345678}}, 4005, "tracking_number"),
        ({"tracking": {"tracking_number": "TL12345678", "title": 5}}, 4008, "title"),
        ({"tracking": {"tracking_number": "TL12345678", "title": "x" * 257}}, 4008, "title"),
        ({"tracking": {"tracking_number": "TL12345678", "emails": ["not-an-email"]}}, 4008, "emails"),
        ({"tracking": {"tracking_number": "TL12345678", "emails": "a@x.io,b@x.io,c@x.io,d@x.io"}}, 4008, "emails"),
        ({"tracking": {"tracking_number": "TL12345678", "smses": ["555-1234"]}}, 4008, "smses"),
        ({"tracking": {"tracking_number": "TL12345678", "slug": "no-such-courier"}}, 4010, "slug"),
        ({"tracking": {"tracking_number": "TL12345678", "slug": "ups", "slug_group": "fedex-group"}}, 4008, "slug_group"),
        ({"tracking": {"tracking_number": "TL12345678", "slug_group": "nope-group"}}, 4008, "slug_group"),
        ({"tracking": {"tracking_number": "TL12345678", "delivery_type": "drone"}}, 4008, "delivery_type"),
        ({"tracking": {"tracking_number": "TL12345678", "custom_fields": {"a": 1}}}, 4008, "custom_fields"),
        ({"tracking": {"tracking_number": "TL12345678", "order_promised_delivery_date": "2024-13-01"}}, 4008, "order_promised_delivery_date"),
        ({"tracking": {"tracking_number": "TL12345678", "order_date": "yesterday"}}, 4008, "order_date"),
        ({"tracking": {"tracking_number": "TL12345678", "language": "english"}}, 4008, "language"),
        ({"tracking": {"tracking_number": "TL12345678", "tracking_ship_date": "2024-01-01"}}, 4008, "tracking_ship_date"),
        ({"tracking": {"tracking_number": "TL12345678", "origin_country_iso3": "US"}}, 4008, "origin_country_iso3"),
        ({"tracking": {"tracking_number": "TL12345678", "shipment_tags": ["x"] * 51}}, 4008, "shipment_tags"),
        ({"tracking": {"tracking_number": "TL12345678", "next_couriers": [{"slug": "ups"}]}}, 4009, "next_couriers"),
        ({"tracking": {"tracking_number": "TL12345678", "location_id": "L1", "origin_city": "Paris"}}, 4008, "location_id"),
    ],
)
def test_bad_create_input_gets_the_contract_code_and_stores_nothing(api, body, code, message_part):
    reply = api.post("/trackings", body)
    assert reply.status == 400, reply.body
    assert reply.code == code, reply.body
    assert reply.body["meta"]["type"] == "BadRequest"
    assert message_part in reply.body["meta"]["message"]
    assert api.get("/trackings").data["count"] == 0


def test_a_body_over_one_megabyte_is_refused_with_413(api):
    reply = api.post("/trackings", {"tracking": {"tracking_number": "TL12345678", "note": "x" * 1_100_000}})
    assert (reply.status, reply.code) == (413, 413)


def test_get_by_id_and_by_slug_and_number_read_their_own_write(api):
    created = api.create(tracking_number=UPS_NUMBER, slug="ups")
    by_id = api.get(f"/trackings/{created['id']}")
    by_number = api.get(f"/trackings/ups/{UPS_NUMBER.lower()}")
    assert by_id.status == by_number.status == 200
    assert by_id.data["tracking"] == by_number.data["tracking"] == created


def test_get_with_fields_returns_only_those_and_the_identity(api):
    created = api.create(tracking_number=fresh_number(), title="T", order_id="O-1")
    tracking = api.get(f"/trackings/{created['id']}?fields=title%2Corder_id").data["tracking"]
    assert set(tracking) == {"id", "tracking_number", "slug", "title", "order_id"}
    assert api.get(f"/trackings/{created['id']}?fields=secret").code == 4008
    assert api.get(f"/trackings/{created['id']}?lang=xx").code == 4008
    assert api.get(f"/trackings/{created['id']}?lang=fr").status == 200


def test_unknown_tracking_is_404_4004_bad_request(api):
    for method, path in [
        ("GET", "/trackings/abcdefghijklmnopqrstuvwx"),
        ("GET", "/trackings/ups/1Z0000000000000000"),
        ("PUT", "/trackings/abcdefghijklmnopqrstuvwx"),
        ("DELETE", "/trackings/abcdefghijklmnopqrstuvwx"),
        ("POST", "/trackings/abcdefghijklmnopqrstuvwx/retrack"),
        ("GET", "/last_checkpoint/abcdefghijklmnopqrstuvwx"),
        ("GET", "/notifications/abcdefghijklmnopqrstuvwx"),
    ]:
        body = {"tracking": {"title": "x"}} if method == "PUT" else None
        reply = api.request(method, path, body)
        assert (reply.status, reply.code, reply.body["meta"]["type"]) == (404, 4004, "BadRequest"), (method, path)


def test_malformed_id_is_4015(api):
    for path in ("/trackings/NOT-AN-ID", "/trackings/short", "/last_checkpoint/UPPERCASE0000000000000000"):
        reply = api.get(path)
        assert (reply.status, reply.code) == (400, 4015), path


def test_unknown_slug_in_the_path_is_4010(api):
    assert api.get("/trackings/no-such-courier/TL12345678").code == 4010


def test_update_changes_only_what_is_sent(api):
    created = api.create(tracking_number=fresh_number(), title="Before", note="keep?", emails=["a@example.com"], custom_fields={"k": "v"})
    reply = api.put(f"/trackings/{created['id']}", {"tracking": {"title": "After", "custom_fields": {}}})
    tracking = reply.data["tracking"]
    assert reply.status == 200
    assert tracking["title"] == "After" and tracking["note"] == "keep?"
    assert tracking["custom_fields"] == {"k": "v"}, "an empty custom_fields object is no change"
    assert tracking["emails"] == ["a@example.com"]
    cleared = api.put(f"/trackings/{created['id']}", {"tracking": {"emails": [], "note": ""}}).data["tracking"]
    assert cleared["emails"] == [] and cleared["note"] is None
    assert api.get(f"/trackings/{created['id']}").data["tracking"] == cleared


def test_update_rejects_bad_values_and_stores_nothing(api):
    created = api.create(tracking_number=fresh_number(), title="Before")
    assert api.put(f"/trackings/{created['id']}", {"tracking": {"emails": ["x"]}}).code == 4008
    assert api.put(f"/trackings/{created['id']}", {"tracking": {"slug": "no-such"}}).code == 4010
    assert api.put(f"/trackings/{created['id']}", {"title": "no wrapper"}).code == 4006
    assert api.get(f"/trackings/{created['id']}").data["tracking"]["title"] == "Before"


def test_update_by_slug_and_number_and_moving_to_another_courier(api):
    created = api.create(tracking_number=UPS_NUMBER, slug="ups")
    moved = api.put(f"/trackings/ups/{UPS_NUMBER}", {"tracking": {"slug": "aramex", "title": "moved"}})
    assert moved.status == 200, moved.body
    assert moved.data["tracking"]["slug"] == "aramex" and moved.data["tracking"]["id"] == created["id"]
    assert api.get(f"/trackings/ups/{UPS_NUMBER}").code == 4004
    assert api.get(f"/trackings/aramex/{UPS_NUMBER}").data["tracking"]["title"] == "moved"
    again = api.post("/trackings", {"tracking": {"tracking_number": UPS_NUMBER, "slug": "ups"}})
    assert again.status == 201, "the old slug + number is free again"
    refused = api.put(f"/trackings/{created['id']}", {"tracking": {"slug": "sandbox"}})
    assert refused.code == 4017, "a courier whose format rejects the number is refused"


def test_delete_returns_the_partial_tracking_and_frees_the_number(api):
    created = api.create(tracking_number=UPS_NUMBER, slug="ups", tracking_postal_code="10001")
    reply = api.delete(f"/trackings/ups/{UPS_NUMBER}?tracking_postal_code=10001")
    assert reply.status == 200
    assert reply.data["tracking"]["id"] == created["id"]
    assert reply.data["tracking"]["tracking_postal_code"] == "10001"
    assert api.get(f"/trackings/{created['id']}").code == 4004
    assert api.post("/trackings", {"tracking": {"tracking_number": UPS_NUMBER, "slug": "ups"}}).status == 201


def test_retrack_only_when_inactive_and_only_once(api):
    created = api.create(tracking_number=fresh_number())
    assert api.post(f"/trackings/{created['id']}/retrack").code == 4013
    completed = api.post(f"/trackings/{created['id']}/mark-as-completed", {"reason": "LOST"})
    assert completed.data["tracking"]["active"] is False
    retracked = api.post(f"/trackings/{created['id']}/retrack")
    assert retracked.status == 200 and retracked.data["tracking"]["active"] is True
    assert retracked.data["tracking"]["id"] == created["id"]
    api.post(f"/trackings/{created['id']}/mark-as-completed", {"reason": "DELIVERED"})
    assert api.post(f"/trackings/{created['id']}/retrack").code == 4016


@pytest.mark.parametrize(
    ("reason", "tag", "subtag", "returned"),
    [
        ("DELIVERED", "Delivered", "Delivered_001", False),
        ("LOST", "Exception", "Exception_013", False),
        ("RETURNED_TO_SENDER", "Exception", "Exception_011", True),
    ],
)
def test_mark_as_completed_sets_the_status_of_its_reason(api, reason, tag, subtag, returned):
    created = api.create(tracking_number=fresh_number())
    tracking = api.post(f"/trackings/{created['id']}/mark-as-completed", {"reason": reason}).data["tracking"]
    assert (tracking["tag"], tracking["subtag"], tracking["active"]) == (tag, subtag, False)
    assert tracking["return_to_sender"] is returned


def test_mark_as_completed_needs_a_known_reason(api):
    created = api.create(tracking_number=fresh_number())
    assert api.post(f"/trackings/{created['id']}/mark-as-completed", {"reason": "STOLEN"}).code == 4008
    missing = api.post(f"/trackings/{created['id']}/mark-as-completed", {})
    assert (missing.code, missing.body["meta"]["message"]) == (4009, "reason is required.")
    assert api.post(f"/trackings/{created['id']}/mark-as-completed").code == 4009


def test_by_number_forms_of_retrack_and_completion(api):
    api.create(tracking_number=UPS_NUMBER, slug="ups")
    done = api.post(f"/trackings/ups/{UPS_NUMBER}/mark-as-completed", {"reason": "DELIVERED"})
    assert done.data["tracking"]["tag"] == "Delivered"
    assert api.post(f"/trackings/ups/{UPS_NUMBER}/retrack").data["tracking"]["active"] is True


def test_last_checkpoint_of_a_new_tracking_has_no_checkpoint(api):
    created = api.create(tracking_number=UPS_NUMBER, slug="ups")
    for path in (f"/last_checkpoint/{created['id']}", f"/last_checkpoint/ups/{UPS_NUMBER}"):
        data = api.get(path).data
        assert data == {
            "id": created["id"],
            "tracking_number": UPS_NUMBER,
            "slug": "ups",
            "tag": "Pending",
            "subtag": "Pending_001",
            "subtag_message": "Pending",
            "checkpoint": None,
        }
    assert api.get(f"/last_checkpoint/{created['id']}?fields=nonsense").code == 4008


def test_notifications_get_add_remove_in_both_forms(api):
    created = api.create(tracking_number=UPS_NUMBER, slug="ups", emails=["a@example.com"])
    assert api.get(f"/notifications/{created['id']}").data == {"notification": {"emails": ["a@example.com"], "smses": []}}
    added = api.post(f"/notifications/ups/{UPS_NUMBER}/add", {"notification": {"emails": "b@example.com", "smses": ["+85291234567"]}})
    assert added.data["notification"] == {"emails": ["a@example.com", "b@example.com"], "smses": ["+85291234567"]}
    removed = api.post(f"/notifications/{created['id']}/remove", {"notification": {"emails": ["A@example.com"]}})
    assert removed.data["notification"] == {"emails": ["b@example.com"], "smses": ["+85291234567"]}
    assert api.get(f"/notifications/ups/{UPS_NUMBER}").data["notification"]["emails"] == ["b@example.com"]


def test_notifications_refuse_bad_input(api):
    created = api.create(tracking_number=fresh_number(), emails=["a@example.com", "b@example.com"])
    assert api.post(f"/notifications/{created['id']}/add", {"emails": ["c@example.com"]}).code == 4014
    assert api.post(f"/notifications/{created['id']}/add").code == 4014
    too_many = api.post(f"/notifications/{created['id']}/add", {"notification": {"emails": ["c@example.com", "d@example.com"]}})
    assert (too_many.code, "emails" in too_many.body["meta"]["message"]) == (4008, True)
    assert api.post(f"/notifications/{created['id']}/add", {"notification": {"smses": ["12"]}}).code == 4008
    assert api.get(f"/notifications/{created['id']}").data["notification"]["emails"] == ["a@example.com", "b@example.com"]


def test_list_counts_all_matches_and_pages_newest_first(api):
    numbers = [api.create(tracking_number=f"TLPAGE{index:04d}", title=f"T{index}")["tracking_number"] for index in range(7)]
    first = api.get("/trackings?limit=3&page=1").data
    last = api.get("/trackings?limit=3&page=3").data
    assert (first["page"], first["limit"], first["count"]) == (1, 3, 7)
    assert len(first["trackings"]) == 3 and len(last["trackings"]) == 1
    seen = [t["tracking_number"] for page in (1, 2, 3) for t in api.get(f"/trackings?limit=3&page={page}").data["trackings"]]
    assert sorted(seen) == sorted(numbers)


def test_list_filters(api):
    api.create(tracking_number=UPS_NUMBER, slug="ups", title="Blue shoes", custom_fields={"store": "north"})
    other = api.create(tracking_number=fresh_number(), title="Red hat", order_id="ORD-9")
    api.post(f"/trackings/{other['id']}/mark-as-completed", {"reason": "DELIVERED"})
    assert api.get("/trackings?slug=ups").data["count"] == 1
    assert api.get("/trackings?tag=Delivered").data["trackings"][0]["id"] == other["id"]
    assert api.get("/trackings?keyword=blue").data["count"] == 1
    assert api.get("/trackings?keyword=NORTH").data["count"] == 1
    assert api.get(f"/trackings?tracking_numbers={UPS_NUMBER}%2CNOPE1234").data["count"] == 1
    assert api.get("/trackings?order_id=ORD-9").data["count"] == 1
    assert api.get("/trackings?return_to_sender=true").data["count"] == 0
    assert api.get("/trackings?created_at_min=2000-01-01T00%3A00%3A00%2B00%3A00&created_at_max=2000-02-01T00%3A00%3A00Z").data["count"] == 0
    assert api.get("/trackings?created_at_min=garbage").data["count"] == 2, "2024-04 ignores an unparsable time"
    only = api.get("/trackings?fields=title").data["trackings"][0]
    assert set(only) == {"id", "tracking_number", "slug", "title"}


@pytest.mark.parametrize(
    "query",
    ["tracking_numbers=A%20B", "limit=201", "limit=0", "page=0", "page=abc", "page=1000&limit=200", "tag=Lost", "transit_time=x", "origin=U1", "return_to_sender=maybe", "fields=note"],
)
def test_list_refuses_bad_query_values_with_4008(api, query):
    reply = api.get(f"/trackings?{query}")
    assert (reply.status, reply.code) == (400, 4008), reply.body
    assert query.split("=")[0] in reply.body["meta"]["message"]


def test_requests_without_an_authenticated_key_get_401_in_the_envelope(table):
    from tests.support.handlers import ApiClient

    for authorizer in (None, {"authenticated": False}, {"authenticated": "true"}):
        reply = ApiClient(authorizer=authorizer).get("/trackings")
        assert (reply.status, reply.code, reply.body["meta"]["type"]) == (401, 401, "Unauthorized")


def test_unknown_routes_get_404_in_the_envelope(api):
    reply = api.get("/nothing-here")
    assert (reply.status, reply.code, reply.body["meta"]["type"]) == (404, 404, "NotFound")
    assert api.request("PATCH", "/trackings").status == 404


def test_openapi_document_and_swagger_ui_are_public(table):
    from tests.support.handlers import ApiClient

    anonymous = ApiClient(authorizer=None)
    document = anonymous.get("/openapi.json")
    assert document.status == 200 and "/tracking/2024-04/trackings" in document.body["paths"]
    page = anonymous.get("/docs")
    assert page.status == 200 and "swagger" in page.body["raw"].lower()
