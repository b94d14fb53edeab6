"""Carrier names where a slug is expected: built in, mapped by the merchant, or refused with the
closest names. The extension endpoints list, add and remove the merchant's mappings."""

import random

from tests.data.imports.generate_bulk import royal_mail

RM = royal_mail(random.Random(7))


def test_create_takes_a_sales_channel_name_for_the_slug(imports):
    created = imports.trackings.create(tracking_number=RM, slug="Royal mail - 24®/48® RM tracked")
    assert created["slug"] == "royal-mail" and created["courier_tracking_link"]
    assert imports.trackings.get(f"/trackings/royal-mail/{RM}").data["tracking"]["id"] == created["id"]
    for name, number, slug in (
        ("Hermes/EVRI", "H1234567890123", "hermes"),
        ("DHL eCommerce", "GM2951173225174494", "dhl-global-mail"),
        ("Amazon Logistics", "TBA123456789012", "amazon"),
    ):
        assert imports.trackings.create(tracking_number=number, slug=name)["slug"] == slug


def test_update_takes_a_carrier_name_for_the_slug_too(imports):
    created = imports.trackings.create(tracking_number="H1234567890124")
    updated = imports.trackings.put(f"/trackings/{created['id']}", {"tracking": {"slug": "Hermes/EVRI"}})
    assert updated.status == 200 and updated.data["tracking"]["slug"] == "hermes"
    refused = imports.trackings.put(f"/trackings/{created['id']}", {"tracking": {"slug": "Hermes Evry Couriers"}})
    assert (refused.status, refused.code) == (400, 4010) and "closest: hermes" in refused.body["meta"]["message"]
    assert imports.trackings.get(f"/trackings/{created['id']}").data["tracking"]["slug"] == "hermes"


def test_an_unknown_name_is_4010_with_the_closest_couriers(imports):
    reply = imports.trackings.post("/trackings", {"tracking": {"tracking_number": RM, "slug": "Royal Mael"}})
    assert (reply.status, reply.code) == (400, 4010)
    assert reply.body["meta"]["message"].startswith('The value of slug is invalid. "royal mael" is neither a courier slug nor a known carrier name; closest: royal-mail (Royal Mail)')


def test_a_merchant_mapping_is_listed_used_and_removed(imports):
    reply = imports.api.post("/courier-mappings", {"courier_mapping": {"name": "Our Van Service", "slug": "dpd-uk"}})
    assert (reply.status, reply.code) == (201, 201)
    assert reply.data["courier_mapping"]["name"] == "Our Van Service" and reply.data["courier_mapping"]["source"] == "merchant"
    assert imports.trackings.create(tracking_number="15501234567890", slug="our van service")["slug"] == "dpd-uk"

    # The import reads the same mappings.
    report = imports.import_file("tracking_number,courier\n15509876543210,OUR VAN SERVICE\n")
    assert report["rows"][0]["outcome"] == "created" and report["rows"][0]["slug"] == "dpd-uk"

    listed = imports.api.get("/courier-mappings").data
    assert listed["total"] == 1 and listed["courier_mappings"][0]["slug"] == "dpd-uk"
    with_built_in = imports.api.get("/courier-mappings?include_built_in=true").data["courier_mappings"]
    assert {"name": "Hermes/EVRI", "slug": "hermes", "source": "built_in", "created_at": None} in with_built_in

    assert imports.api.delete("/courier-mappings/our%20van%20service").data["courier_mapping"]["slug"] == "dpd-uk"
    assert imports.trackings.post("/trackings", {"tracking": {"tracking_number": "15501234567891", "slug": "Our Van Service"}}).code == 4010
    reply = imports.api.delete("/courier-mappings/Our%20Van%20Service")
    assert (reply.status, reply.code, reply.body["meta"]["type"]) == (404, 404, "NotFound")


def test_a_merchant_mapping_wins_over_a_built_in_name(imports):
    imports.api.post("/courier-mappings", {"courier_mapping": {"name": "Hermes / Evri", "slug": "hermes-de"}})
    assert imports.trackings.create(tracking_number="H1234567890123", slug="Hermes/EVRI")["slug"] == "hermes-de"


def test_bad_mappings_are_refused(imports):
    unknown = imports.api.post("/courier-mappings", {"courier_mapping": {"name": "Our Van", "slug": "no-such-courier"}})
    assert (unknown.status, unknown.code) == (400, 4010)
    itself = imports.api.post("/courier-mappings", {"courier_mapping": {"name": "UPS", "slug": "fedex"}})
    assert itself.code == 4008 and "is a courier slug itself" in itself.body["meta"]["message"]
    assert imports.api.post("/courier-mappings", {"courier_mapping": {"name": "®/-", "slug": "ups"}}).code == 4008
    assert imports.api.post("/courier-mappings", {"name": "x"}).code == 4009
    assert imports.api.post("/courier-mappings", {"courier_mapping": {"name": "", "slug": "ups"}}).code == 4008
    assert imports.api.get("/courier-mappings").data == {"total": 0, "courier_mappings": []}
