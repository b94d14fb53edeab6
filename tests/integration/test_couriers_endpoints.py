"""The couriers function: catalog, activation, detection, and create's use of them."""

import pytest

UPS_NUMBER = "1Z5R89390357567127"
FEDEX_12 = "986578788855"


def test_all_couriers_have_every_contract_field(couriers_api):
    data = couriers_api.get("/couriers/all").data
    assert data["total"] == len(data["couriers"]) >= 200
    fields = {"slug", "name", "phone", "other_name", "web_url", "required_fields", "optional_fields",
              "default_language", "support_languages", "service_from_country_iso3"}
    for courier in data["couriers"]:
        assert set(courier) == fields
        assert isinstance(courier["required_fields"], list) and isinstance(courier["support_languages"], list)
    assert {"ups", "usps", "fedex", "dhl"} <= {courier["slug"] for courier in data["couriers"]}


def test_activation_is_listed_and_reversible(couriers_api):
    assert couriers_api.get("/couriers").data == {"total": 0, "couriers": []}
    activated = couriers_api.post("/couriers/ups/activate")
    assert activated.status == 200 and activated.data["active"] is True and activated.data["courier"]["slug"] == "ups"
    couriers_api.post("/couriers/usps/activate")
    assert sorted(c["slug"] for c in couriers_api.get("/couriers").data["couriers"]) == ["ups", "usps"]
    assert couriers_api.post("/couriers/ups/deactivate").data["active"] is False
    assert [c["slug"] for c in couriers_api.get("/couriers").data["couriers"]] == ["usps"]
    assert couriers_api.post("/couriers/no-such-courier/activate").code == 4010


def test_detect_returns_the_candidates_best_first(couriers_api):
    reply = couriers_api.post("/couriers/detect", {"tracking": {"tracking_number": "1z 5r8 939 0357567127"}})
    assert reply.status == 200
    assert reply.data["couriers"][0]["slug"] == "ups" and reply.data["total"] == len(reply.data["couriers"])


def test_detect_can_be_restricted_to_slugs_or_a_group(couriers_api):
    assert couriers_api.post("/couriers/detect", {"tracking": {"tracking_number": UPS_NUMBER, "slug": "fedex,usps"}}).data["total"] == 0
    assert couriers_api.post("/couriers/detect", {"tracking": {"tracking_number": UPS_NUMBER, "slug": ["ups"]}}).data["total"] == 1
    grouped = couriers_api.post("/couriers/detect", {"tracking": {"tracking_number": FEDEX_12, "slug_group": "fedex-group"}}).data
    assert grouped["total"] >= 1 and all(c["slug"].startswith("fedex") for c in grouped["couriers"])


def test_detect_with_activated_couriers_considers_only_those(couriers_api):
    couriers_api.post("/couriers/usps/activate")
    assert couriers_api.post("/couriers/detect", {"tracking": {"tracking_number": UPS_NUMBER}}).data["total"] == 0
    couriers_api.post("/couriers/ups/activate")
    assert couriers_api.post("/couriers/detect", {"tracking": {"tracking_number": UPS_NUMBER}}).data["couriers"][0]["slug"] == "ups"


def test_no_match_is_an_empty_list(couriers_api):
    assert couriers_api.post("/couriers/detect", {"tracking": {"tracking_number": "ZZZZ"}}).data == {"total": 0, "couriers": []}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ([], 4006),
        ({"tracking": {}}, 4007),
        ({"tracking": {"tracking_number": ""}}, 4007),
        ({"tracking": {"tracking_number": "   "}}, 4007),
        ({"tracking": {"tracking_number": "1" * 101}}, 4005),
        ({"tracking": {"tracking_number": "1Z5R8939Ω357567127"}}, 4005),
        ({"tracking": {"tracking_number": "1Z5R8939\u00000357567127"}}, 4005),
        ({"tracking": {"tracking_number": "1Z5R\n8939"}}, 4005),
        ({"tracking": {"tracking_number": 12345}}, 4005),
        ({"tracking": {"tracking_number": UPS_NUMBER, "slug": "no-such"}}, 4010),
        ({"tracking": {"tracking_number": UPS_NUMBER, "slug": "ups", "slug_group": "fedex-group"}}, 4008),
        ({"tracking": {"tracking_number": UPS_NUMBER, "slug_group": "nope"}}, 4008),
        ("not json", 4001),
    ],
)
def test_detect_refuses_bad_input_with_a_4xx(couriers_api, body, code):
    reply = couriers_api.post("/couriers/detect", body)
    assert (reply.status, reply.code) == (400, code), reply.body


def test_create_uses_detection_and_the_activated_couriers(api, couriers_api):
    assert api.create(tracking_number=UPS_NUMBER)["slug"] == "ups"
    assert api.create(tracking_number="ZZZZZZZZ1")["slug"] == "unrecognized"
    couriers_api.post("/couriers/usps/activate")
    refused = api.post("/trackings", {"tracking": {"tracking_number": "1Z879E930346834440"}})
    assert refused.code == 4012 and "approved list" in refused.body["meta"]["message"]
    unknown = api.post("/trackings", {"tracking": {"tracking_number": "ZZZZZZZZ2"}})
    assert unknown.code == 4012 and "don't recognize" in unknown.body["meta"]["message"]
    grouped = api.post("/trackings", {"tracking": {"tracking_number": "1Z879E930346834441", "slug_group": "fedex-group"}})
    assert grouped.code == 4012 and "group" in grouped.body["meta"]["message"]


def test_create_with_a_slug_checks_the_number_against_its_format(api):
    assert api.post("/trackings", {"tracking": {"tracking_number": "1Z5R89390357567128", "slug": "ups"}}).code == 4005
    assert api.post("/trackings", {"tracking": {"tracking_number": "12345678", "slug": "ups"}}).code == 4017
